package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/souq-market/souq/eventstore"
)

// These tests hand a batch straight to commit, so what shares one
// transaction is decided by the test, not by timing. The writer goroutine
// is idle meanwhile (nothing is appended through the channel).

func batchStore(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func mkReq(t *testing.T, s *Store, stream string, expected eventstore.ExpectedRevision, ids ...string) *request {
	t.Helper()
	es := make([]eventstore.EventData, len(ids))
	for i, id := range ids {
		es[i] = eventstore.EventData{ID: id, Type: "test.happened", SchemaVersion: 1, Data: []byte(`{}`)}
	}
	if err := s.opts.Limits.ValidateAppend(stream, es); err != nil {
		t.Fatal(err)
	}
	r, err := s.newRequest(context.Background(), stream, expected, es)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBatchRequestsBehaveLikeSequentialAppends(t *testing.T) {
	s, _ := batchStore(t)
	a1, a2, b1, c1, f1 := uuid(), uuid(), uuid(), uuid(), uuid()
	batch := []*request{
		mkReq(t, s, "s1", eventstore.NoStream, a1, a2), // 0: writes s1@0,1 at 1,2
		mkReq(t, s, "s1", eventstore.Exact(1), b1),     // 1: sees request 0's revision
		mkReq(t, s, "s1", eventstore.NoStream, c1),     // 2: conflict, s1 exists now
		mkReq(t, s, "s1", eventstore.Any, a1, a2),      // 3: a retry of request 0
		mkReq(t, s, "s2", eventstore.Any, b1),          // 4: b1 is taken by s1: id reuse
		mkReq(t, s, "s2", eventstore.Any, f1),          // 5: fine, despite 2 and 4 failing
	}
	before := s.Transactions()
	s.commit(batch)
	if n := s.Transactions() - before; n != 1 {
		t.Fatalf("%d transactions for one batch", n)
	}
	get := func(i int) response { return <-batch[i].done }
	want := map[int]eventstore.AppendResult{0: {NextRevision: 1, Position: 2}, 1: {NextRevision: 2, Position: 3}, 3: {NextRevision: 1, Position: 2}, 5: {NextRevision: 0, Position: 4}}
	for i := range batch {
		r := get(i)
		switch i {
		case 2:
			var ce *eventstore.ConflictError
			if !errors.As(r.err, &ce) || ce.Actual != 2 {
				t.Errorf("request 2: %v, want a conflict at revision 2", r.err)
			}
		case 4:
			if !errors.Is(r.err, eventstore.ErrIDReuse) {
				t.Errorf("request 4: %v, want ErrIDReuse", r.err)
			}
		default:
			if r.err != nil || r.res != want[i] {
				t.Errorf("request %d: %+v, %v; want %+v", i, r.res, r.err, want[i])
			}
		}
	}
	all, err := s.ReadAll(context.Background(), 0, 1<<20)
	if err != nil || len(all) != 4 {
		t.Fatalf("$all holds %d events (%v), want 4", len(all), err)
	}
	for i, id := range []string{a1, a2, b1, f1} {
		if all[i].ID != id || all[i].Position != eventstore.Position(i+1) {
			t.Fatalf("$all[%d] = %s at %d, want %s at %d", i, all[i].ID, all[i].Position, id, i+1)
		}
	}
}

// sideDB opens a second connection to the file, to plant triggers that make
// chosen statements fail the way a storage error would.
func sideDB(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestFailingStatementFailsOnlyItsRequest(t *testing.T) {
	s, path := batchStore(t)
	sideDB(t, path, `CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.stream_id = 'poison'
		BEGIN SELECT RAISE(ABORT, 'poisoned'); END`)
	batch := []*request{
		mkReq(t, s, "ok1", eventstore.Any, uuid(), uuid()),
		mkReq(t, s, "poison", eventstore.Any, uuid(), uuid()),
		mkReq(t, s, "ok2", eventstore.Any, uuid()),
	}
	s.commit(batch)
	r0, r1, r2 := <-batch[0].done, <-batch[1].done, <-batch[2].done
	if r0.err != nil || r2.err != nil || r0.res.Position != 2 || r2.res.Position != 3 {
		t.Fatalf("healthy requests: %+v %+v", r0, r2)
	}
	if r1.err == nil {
		t.Fatal("the poisoned request succeeded")
	}
	all, _ := s.ReadAll(context.Background(), 0, 1<<20)
	if len(all) != 3 || all[2].StreamID != "ok2" || all[2].Position != 3 {
		t.Fatalf("$all: %d events, want ok1×2 and ok2 with no gap", len(all))
	}
}

func TestFailedCommitFailsWholeBatchAndWritesNothing(t *testing.T) {
	s, path := batchStore(t)
	// A deferred foreign key is checked at COMMIT: inserting into stream
	// "doom" makes the commit of its whole transaction fail.
	sideDB(t, path,
		`CREATE TABLE parent (id INTEGER PRIMARY KEY)`,
		`CREATE TABLE child (p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)`,
		`CREATE TRIGGER doom AFTER INSERT ON events WHEN NEW.stream_id = 'doom'
			BEGIN INSERT INTO child VALUES (42); END`)
	batch := []*request{
		mkReq(t, s, "a", eventstore.Any, uuid()),
		mkReq(t, s, "doom", eventstore.Any, uuid()),
		mkReq(t, s, "b", eventstore.Any, uuid()),
	}
	before := s.Transactions()
	s.commit(batch)
	for i, r := range batch {
		if res := <-r.done; res.err == nil {
			t.Errorf("request %d succeeded in a batch whose commit failed", i)
		}
	}
	if s.Transactions() != before {
		t.Fatal("a failed commit was counted")
	}
	if head, _ := s.Head(context.Background()); head != 0 {
		t.Fatalf("head %d after a failed commit, want nothing written", head)
	}
	// The writer is usable afterwards.
	if r, err := s.Append(context.Background(), "a", eventstore.NoStream, []eventstore.EventData{{ID: uuid(), Type: "x.y", SchemaVersion: 1, Data: []byte(`1`)}}); err != nil || r.Position != 1 {
		t.Fatalf("append after failed commit: %+v, %v", r, err)
	}
}

func TestCancelledRequestIsNotWritten(t *testing.T) {
	s, _ := batchStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	gone := mkReq(t, s, "s", eventstore.Any, uuid())
	gone.ctx = ctx
	cancel()
	kept := mkReq(t, s, "s", eventstore.Any, uuid())
	s.commit([]*request{gone, kept})
	if r := <-gone.done; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("cancelled request: %v", r.err)
	}
	if r := <-kept.done; r.err != nil || r.res.Position != 1 {
		t.Fatalf("kept request: %+v", r)
	}
}
