// Package integritytest is the tamper suite every store with tamper
// evidence passes: it writes a log, edits the store's tables directly as an
// intruder with database access would, and checks that VerifyIntegrity names
// each change by position and kind.
//
// It may import eventstore, the standard library and testing.
package integritytest

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/souq-market/souq/eventstore"
)

// Store is a store with tamper evidence.
type Store interface {
	eventstore.Store
	eventstore.IntegrityVerifier
}

// Harness makes the stores and tampers with their tables.
type Harness struct {
	// New returns a fresh, empty store that signs a checkpoint every
	// `every` events with key. The harness cleans up.
	New func(t *testing.T, key []byte, every int) Log
	// FlipSignature is a statement that changes one byte of the signature
	// of the checkpoint at the position given as %d.
	FlipSignature string
}

// Log is a store and its storage.
type Log struct {
	Store Store
	// Reopen closes the store and opens it again on the same storage.
	Reopen func() Store
	// Tamper runs SQL statements in order on one session of the store's
	// database, in which the unqualified table names (events,
	// checkpoints) are the store's. The suite has closed the store.
	Tamper func(statements ...string)
}

// Key is the checkpoint key the suite's stores sign with.
var Key = []byte("integritytest-key-0123456789abcd")

// Found is a problem as the suite compares them: where and what.
type Found struct {
	Position eventstore.Position
	Kind     string
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	// Event i goes to stream order-(i%3), one append each: positions 7 and
	// 20 are of different streams, 7 and 21 of streams order-0 and order-2.
	cases := []struct {
		name   string
		tamper []string
		want   []Found
	}{
		{"untouched", nil, nil},
		{"payload edited", []string{`UPDATE events SET data = '{"i":999}' WHERE position = 12`}, []Found{{12, "edited"}}},
		{"metadata edited", []string{`UPDATE events SET metadata = '{"command_id":"forged"}' WHERE position = 3`}, []Found{{3, "edited"}}},
		{"type edited", []string{`UPDATE events SET type = 'order.refunded' WHERE position = 30`}, []Found{{30, "edited"}}},
		{"one deleted", []string{`DELETE FROM events WHERE position = 12`}, []Found{{12, "missing"}}},
		{"the first deleted", []string{`DELETE FROM events WHERE position = 1`}, []Found{{1, "missing"}}},
		{"the last ones deleted", []string{`DELETE FROM events WHERE position > 28`}, []Found{{29, "missing"}}},
		{"data of two exchanged", []string{
			`CREATE TEMP TABLE stash AS SELECT position, data FROM events WHERE position IN (7, 21)`,
			`UPDATE events SET data = (SELECT data FROM stash WHERE position = 21) WHERE position = 7`,
			`UPDATE events SET data = (SELECT data FROM stash WHERE position = 7) WHERE position = 21`,
			`DROP TABLE stash`,
		}, []Found{{7, "reordered"}, {21, "reordered"}}},
		{"positions of two exchanged", []string{
			`UPDATE events SET position = 1000000 WHERE position = 7`,
			`UPDATE events SET position = 7 WHERE position = 20`,
			`UPDATE events SET position = 20 WHERE position = 1000000`,
		}, []Found{{7, "reordered"}, {20, "reordered"}}},
		{"checkpoint signature byte flipped", []string{fmt.Sprintf(h.FlipSignature, 20)}, []Found{{20, "checkpoint"}}},
		{"checkpoint signature of another copied", []string{
			`UPDATE checkpoints SET signature = (SELECT c.signature FROM checkpoints c WHERE c.position = 10) WHERE position = 20`,
		}, []Found{{20, "checkpoint"}}},
		{"an event's hash replaced", []string{
			`UPDATE events SET hash = (SELECT e.hash FROM events e WHERE e.position = 30) WHERE position = 31`,
		}, []Found{{31, "edited"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			log := h.New(t, Key, 10)
			s := log.Store
			ctx := context.Background()
			for i := range 31 {
				e := Event("order.noted", fmt.Sprintf(`{"i":%d}`, i))
				if _, err := s.Append(ctx, fmt.Sprintf("order-%d", i%3), eventstore.Any, []eventstore.EventData{e}); err != nil {
					t.Fatal(err)
				}
			}
			if tc.tamper != nil {
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				log.Tamper(tc.tamper...)
			}
			s = log.Reopen()
			if got := Verify(t, s); !slices.Equal(got, tc.want) {
				t.Fatalf("problems %v, want %v", got, tc.want)
			}
		})
	}

	t.Run("group commit chains appends committed together", func(t *testing.T) {
		s := h.New(t, Key, 7).Store
		ctx := context.Background()
		const writers, each = 8, 20
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					es := make([]eventstore.EventData, 1+i%3)
					for k := range es {
						es[k] = Event("order.noted", fmt.Sprintf(`{"w":%d,"i":%d,"k":%d}`, w, i, k))
					}
					if _, err := s.Append(ctx, fmt.Sprintf("order-%d", (w+i)%3), eventstore.Any, es); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if got := Verify(t, s); len(got) != 0 {
			t.Fatalf("an untouched log written concurrently has problems: %v", got)
		}
	})
}

// Verify runs VerifyIntegrity, checks its progress reports, and returns
// the problems found.
func Verify(t *testing.T, s eventstore.IntegrityVerifier) []Found {
	t.Helper()
	var calls int
	problems, err := s.VerifyIntegrity(context.Background(), func(done, head eventstore.Position) {
		calls++
		if done > head {
			t.Errorf("progress %d past the head %d", done, head)
		}
	})
	if err != nil {
		t.Fatalf("VerifyIntegrity: %v", err)
	}
	if calls == 0 {
		t.Error("progress was never called")
	}
	t.Log(problems)
	var out []Found
	for _, p := range problems {
		if p.Detail == "" {
			t.Errorf("problem at %d has no detail", p.Position)
		}
		out = append(out, Found{p.Position, p.Kind})
	}
	return out
}

// Event is an event with a fresh ID and some metadata.
func Event(typ, data string) eventstore.EventData {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return eventstore.EventData{
		ID: fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), Type: typ, SchemaVersion: 1, Data: []byte(data),
		Metadata: eventstore.Metadata{CommandID: "cmd-1", CorrelationID: "corr-1", Actor: eventstore.Actor{UserID: "u1", Role: "customer"}},
	}
}
