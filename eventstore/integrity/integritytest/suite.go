// Package integritytest is the tamper suite every store with tamper
// evidence passes: it writes a log, edits the store's tables directly as an
// intruder with database access would, and checks that VerifyIntegrity names
// each change by position and kind.
//
// It may import eventstore, eventstore/integrity, the standard library and
// testing.
package integritytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/integrity"
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
	// Blob is an SQL expression of the bytes given in hex as %s.
	Blob string
	// Stored reads every event of the store with its stored hashes, and
	// the checkpoints, as an intruder rewriting them would.
	Stored func(t *testing.T, s Store) ([]integrity.Row, []integrity.Checkpoint)
	// Unchain takes the store's tables back to the schema before
	// checkpoints were chained (the columns seq and previous gone, the
	// migration that added them unrecorded), so the next open migrates.
	Unchain []string
}

// Log is a store and its storage.
type Log struct {
	Store Store
	// Reopen closes the store last opened and opens it again on the same
	// storage.
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
		// Checkpoints are at 10, 20, 30 and 31 (on close), numbered 1 to 4.
		{"a middle checkpoint deleted", []string{`DELETE FROM checkpoints WHERE position = 20`}, []Found{{30, "checkpoint"}}},
		{"the first checkpoint deleted", []string{`DELETE FROM checkpoints WHERE position = 10`}, []Found{{20, "checkpoint"}}},
		{"two checkpoints' numbers exchanged", []string{
			`UPDATE checkpoints SET seq = 100 WHERE position = 10`,
			`UPDATE checkpoints SET seq = 1 WHERE position = 20`,
			`UPDATE checkpoints SET seq = 2 WHERE position = 10`,
		}, []Found{{10, "checkpoint"}, {20, "checkpoint"}}},
		{"two checkpoints exchanged whole", []string{
			`UPDATE checkpoints SET position = 1000 WHERE position = 10`,
			`UPDATE checkpoints SET position = 10 WHERE position = 20`,
			`UPDATE checkpoints SET position = 20 WHERE position = 1000`,
		}, []Found{{10, "checkpoint"}, {20, "checkpoint"}}},
		// The limit doc.go states: the newest checkpoints deleted leave
		// a shorter chain that is whole, and no false alarm either.
		{"the newest checkpoints deleted", []string{`DELETE FROM checkpoints WHERE position > 20`}, nil},
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

	t.Run("no checkpoint signs an event rewritten with its hashes", func(t *testing.T) {
		refuseToSignRewrite(t, h)
	})

	t.Run("checkpoints signed before they were chained", func(t *testing.T) {
		chainAfterUnchained(t, h)
	})

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

// refuseToSignRewrite: an intruder rewrites an event after the last
// checkpoint together with its own hashes, so its content matches them and
// its global hash chains to the event before (and deletes the checkpoint
// signed on close, which would catch it: the newest checkpoints' deletion
// is not detectable). The store, writing on past the next interval, must
// not sign the rewrite, and VerifyIntegrity names where the chain breaks.
func refuseToSignRewrite(t *testing.T, h Harness) {
	log := h.New(t, Key, 10)
	s := log.Store
	ctx := context.Background()
	appendN := func(s Store, from, to int) {
		for i := from; i < to; i++ {
			if _, err := s.Append(ctx, fmt.Sprintf("order-%d", i%3), eventstore.Any, []eventstore.EventData{Event("order.noted", fmt.Sprintf(`{"i":%d}`, i))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	appendN(s, 0, 25) // checkpoints at 10 and 20; 25 on close
	rows, _ := h.Stored(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Position 23 is revision 7 of order-1, which follows position 20.
	const at = 23
	r := rows[at-1]
	r.Data = []byte(`{"i":999}`)
	prev, _ := integrity.FromBytes(rows[20-1].Hash)
	before, _ := integrity.FromBytes(rows[at-2].Global)
	hash := integrity.Link(prev, r.Revision, integrity.Digest(r.Event))
	global := integrity.Global(before, at, hash)
	log.Tamper(
		`DELETE FROM checkpoints WHERE position = 25`,
		fmt.Sprintf(`UPDATE events SET data = '{"i":999}', hash = %s, global_hash = %s WHERE position = %d`,
			fmt.Sprintf(h.Blob, hex.EncodeToString(hash[:])), fmt.Sprintf(h.Blob, hex.EncodeToString(global[:])), at),
	)

	s = log.Reopen()
	appendN(s, 25, 35) // past the checkpoint due at 30, and closed
	s = log.Reopen()
	_, checkpoints := h.Stored(t, s)
	var signed []uint64
	for _, c := range checkpoints {
		signed = append(signed, c.Position)
	}
	if !slices.Equal(signed, []uint64{10, 20}) {
		t.Fatalf("checkpoints at %v after the rewrite, want 10 and 20 only", signed)
	}
	if got := Verify(t, s); !slices.Contains(got, Found{at, "edited"}) {
		t.Fatalf("problems %v, want position %d edited", got, at)
	}
}

// chainAfterUnchained: checkpoints signed before the migration that chains
// them keep verifying as they were signed; the first one signed after it
// chains to the newest of them, so that one deleted is found too.
func chainAfterUnchained(t *testing.T, h Harness) {
	log := h.New(t, Key, 10)
	s := log.Store
	for i := range 25 { // checkpoints at 10 and 20; 25 on close
		if _, err := s.Append(context.Background(), "order-1", eventstore.Any, []eventstore.EventData{Event("order.noted", fmt.Sprintf(`{"i":%d}`, i))}); err != nil {
			t.Fatal(err)
		}
	}
	s = log.Reopen()
	_, checkpoints := h.Stored(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	unchain := slices.Clone(h.Unchain)
	for _, c := range checkpoints { // signed as before the chain
		g, _ := integrity.FromBytes(c.Global)
		unchain = append(unchain, fmt.Sprintf(`UPDATE checkpoints SET signature = %s WHERE position = %d`,
			fmt.Sprintf(h.Blob, hex.EncodeToString(integrity.Sign(Key, c.Position, g))), c.Position))
	}
	log.Tamper(unchain...)

	s = log.Reopen()    // migrates
	for i := range 10 { // a chained checkpoint at 30, and 35 on close
		if _, err := s.Append(context.Background(), "order-1", eventstore.Any, []eventstore.EventData{Event("order.noted", fmt.Sprintf(`{"j":%d}`, i))}); err != nil {
			t.Fatal(err)
		}
	}
	s = log.Reopen()
	_, checkpoints = h.Stored(t, s)
	var chain []string
	for _, c := range checkpoints {
		chain = append(chain, fmt.Sprintf("%d:%d", c.Position, c.Seq))
	}
	if want := []string{"10:0", "20:0", "25:0", "30:1", "35:2"}; !slices.Equal(chain, want) {
		t.Fatalf("checkpoints (position:seq) %v, want %v", chain, want)
	}
	if got := Verify(t, s); len(got) != 0 {
		t.Fatalf("after migrating: %v, want none", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	log.Tamper(`DELETE FROM checkpoints WHERE position = 25`)
	if got, want := Verify(t, log.Reopen()), []Found{{30, "checkpoint"}}; !slices.Equal(got, want) {
		t.Fatalf("the newest checkpoint signed before the chain deleted: %v, want %v", got, want)
	}
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
