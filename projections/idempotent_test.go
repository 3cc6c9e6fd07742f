package projections_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
)

// sink is an index without transactions: the last event type per stream,
// written only when fresh. It can be told to fail after writing, so that
// the runner sees an error for a batch the sink partly took.
type sink struct {
	v       projections.Versions
	mu      sync.Mutex
	docs    map[string]string
	writes  int
	failOne bool
}

func (s *sink) Name() string { return "index" }

func (s *sink) Handle(_ context.Context, events []eventstore.RecordedEvent) error {
	for _, ev := range events {
		if _, err := s.v.Apply(ev.StreamID, ev.StreamRevision, func() error {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.docs[ev.StreamID] = ev.ID
			s.writes++
			return nil
		}); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failOne {
		s.failOne = false
		return errors.New("sink timed out after writing")
	}
	return nil
}

func (s *sink) Reset(context.Context) error {
	s.v.Reset()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs = map[string]string{}
	return nil
}

func TestIdempotentAtLeastOnce(t *testing.T) {
	b := sqliteBackend(t, t.TempDir()+"/read.db")
	st := newStore(t)
	seed(t, st, "idem", 600, 17, nil)
	h := head(t, st)
	s := &sink{docs: map[string]string{}, failOne: true}
	r := newRunner(t, b, stutter{st}, projections.Options{BatchSize: 50}, s)
	start(t, r)
	waitFor(t, r, "index", h)

	want := map[string]string{}
	all, _ := st.ReadAll(context.Background(), 0, int(h))
	for _, ev := range all {
		want[ev.StreamID] = ev.ID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	equal(t, "sink", s.docs, want)
	// Redelivered batches (the retry after the sink failed, the stutter's
	// duplicates filtered by the checkpoint) never wrote a document twice.
	if s.writes != len(all) {
		t.Fatalf("%d writes for %d events: a stale revision was written", s.writes, len(all))
	}
	if p, _ := r.Parked(context.Background(), "index"); len(p) != 0 {
		t.Fatalf("parked %+v", p)
	}
}

func TestFreshAndVersions(t *testing.T) {
	if !projections.Fresh(0, false, 0) || projections.Fresh(3, true, 3) || projections.Fresh(3, true, 2) || !projections.Fresh(3, true, 4) {
		t.Fatal("Fresh: only a newer revision, or the first, may write")
	}
	var v projections.Versions
	write := func(id string, rev uint64, err error) bool {
		ok, got := v.Apply(id, rev, func() error { return err })
		if !errors.Is(got, err) {
			t.Fatalf("Apply returned %v, want %v", got, err)
		}
		return ok
	}
	if !write("a", 2, nil) || write("a", 1, nil) || write("a", 2, nil) {
		t.Fatal("stale or repeated revision written")
	}
	boom := errors.New("boom")
	if write("a", 3, boom) || !write("a", 3, nil) {
		t.Fatal("a failed write must not count as done")
	}
}

func TestRebind(t *testing.T) {
	q := `SELECT '?' , "a?" FROM {t} WHERE x = ? AND y = ?`
	if got := projections.Postgres().Rebind(q); got != `SELECT '?' , "a?" FROM {t} WHERE x = $1 AND y = $2` {
		t.Fatalf("postgres: %s", got)
	}
	if got := projections.SQLite().Rebind(q); got != q {
		t.Fatalf("sqlite: %s", got)
	}
}

func TestNewRefusesBadProjectors(t *testing.T) {
	b := sqliteBackend(t, t.TempDir()+"/read.db")
	bad := newCounter("x")
	bad.table = "Drop Table"
	_, err := projections.New(context.Background(), projections.Options{DB: b.db, Dialect: b.dialect, Store: newStore(t)},
		bad, newCounter("x"))
	if err == nil {
		t.Fatal("New accepted a bad table name and a duplicate projector")
	}
}
