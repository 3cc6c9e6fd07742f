package sqlite_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/sqlite"
)

func open(t testing.TB, path string, opts sqlite.Options) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func tempPath(t testing.TB) string { return filepath.Join(t.TempDir(), "events.db") }

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func ev(typ, data string) eventstore.EventData {
	return eventstore.EventData{ID: newID(), Type: typ, SchemaVersion: 1, Data: []byte(data),
		Metadata: eventstore.Metadata{CommandID: "cmd-1", CorrelationID: "corr-1", Actor: eventstore.Actor{UserID: "u1", Role: "customer"}}}
}

func events(n int) []eventstore.EventData {
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = ev("test.happened", fmt.Sprintf(`{"i":%d}`, i))
	}
	return out
}

// readAll reads the whole of $all and checks positions are 1, 2, 3 … with no gap.
func readAll(t testing.TB, s eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	all, err := s.ReadAll(context.Background(), eventstore.Start, 1<<20)
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	for i, e := range all {
		if e.Position != eventstore.Position(i+1) {
			t.Fatalf("$all[%d] has position %d, want %d: a gap", i, e.Position, i+1)
		}
	}
	return all
}
