package postgres_test

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/postgres"
)

func TestMigrationsOnceWhenProcessesStartTogether(t *testing.T) {
	e := newEnv(t)
	const n = 4
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			st, err := postgres.Open(context.Background(), e.url, postgres.Options{Schema: e.schema})
			if err != nil {
				errs <- err
				return
			}
			errs <- st.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
	// One row per migration: 1 (tables), 2 (append_batch), 3 (hashes).
	if got := e.count(t, "SELECT count(*) FROM "+e.table("schema_migrations")); got != 4 {
		t.Fatalf("schema_migrations has %d rows, want 4", got)
	}
	if got := e.count(t, "SELECT count(*) FROM "+e.table("es_head")); got != 1 {
		t.Fatalf("es_head has %d rows, want 1", got)
	}
}

// Appends that wait while the writer is busy are committed together in one
// transaction, yet each is checked on its own: of two NoStream appends to one
// stream one wins and the other conflicts, and an append repeated with the
// same IDs in the same batch is a retry, whichever comes first.
func TestGroupCommitChecksEachAppend(t *testing.T) {
	e := newEnv(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var queued atomic.Int64
	opts := postgres.WithQueued(postgres.Options{}, func() { queued.Add(1) })
	st := e.open(t, postgres.WithBeforeCommit(opts, func(_, _ eventstore.Position) {
		once.Do(func() { close(entered); <-release })
	}))
	ctx := t.Context()

	blocker := make(chan error, 1)
	go func() {
		_, err := st.Append(ctx, "blocker", eventstore.Any, events(1, "blocker"))
		blocker <- err
	}()
	<-entered // the writer now holds batch 1 open; the next appends queue up

	type outcome struct {
		res eventstore.AppendResult
		err error
	}
	retried := events(2, "retried")
	calls := []struct {
		stream   string
		expected eventstore.ExpectedRevision
		events   []eventstore.EventData
	}{
		{"order-1", eventstore.NoStream, events(1, "first")},
		{"order-1", eventstore.NoStream, events(1, "second")},
		{"order-2", eventstore.Any, retried},
		{"order-2", eventstore.Any, retried},
		{"order-3", eventstore.Exact(7), events(1, "wrong")},
	}
	out := make([]outcome, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Go(func() {
			res, err := st.Append(ctx, c.stream, c.expected, c.events)
			out[i] = outcome{res, err}
		})
	}
	// Release batch 1 only once all of them wait behind it (the blocker
	// counts too). A fixed sleep here flaked on a loaded CI machine.
	for queued.Load() < int64(len(calls)+1) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // the few instructions from the hook to the send
	close(release)
	wg.Wait()
	if err := <-blocker; err != nil {
		t.Fatalf("blocker: %v", err)
	}

	if (out[0].err == nil) == (out[1].err == nil) {
		t.Fatalf("two NoStream appends to one stream: errors %v and %v, want exactly one conflict", out[0].err, out[1].err)
	}
	for _, o := range out[:2] {
		if o.err != nil && !errors.Is(o.err, eventstore.ErrConflict) {
			t.Fatalf("the loser failed with %v, want a conflict", o.err)
		}
	}
	if out[2].err != nil || out[3].err != nil || out[2].res != out[3].res {
		t.Fatalf("append and its retry: %+v / %+v, want the same result twice", out[2], out[3])
	}
	if !errors.Is(out[4].err, eventstore.ErrConflict) {
		t.Fatalf("Exact(7) on a new stream: %v, want a conflict", out[4].err)
	}
	// 1 (blocker) + 1 (winner) + 2 (retried, once) events, gap-free.
	if got := e.count(t, "SELECT count(*) FROM "+e.table("events")); got != 4 {
		t.Fatalf("%d events stored, want 4", got)
	}
	if head, err := st.Head(ctx); err != nil || head != 4 {
		t.Fatalf("Head = %d, %v; want 4", head, err)
	}
	// Everything after the blocker went in one transaction.
	if got := e.count(t, "SELECT count(DISTINCT xmin::text) FROM "+e.table("events")+" WHERE position > 1"); got != 1 {
		t.Fatalf("the queued appends took %d transactions, want 1 (group commit)", got)
	}
}

// Many goroutines race for each revision of one stream with Exact: exactly
// one wins each, the rest get a conflict.
func TestExactRevisionOneWinnerEach(t *testing.T) {
	e := newEnv(t)
	st := e.open(t, postgres.Options{})
	ctx := t.Context()
	const racers, rounds = 8, 25
	for round := range rounds {
		expected := eventstore.NoStream
		if round > 0 {
			expected = eventstore.Exact(uint64(round - 1))
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for g := range racers {
			wg.Go(func() {
				res, err := st.Append(ctx, "cart-1", expected, events(1, fmt.Sprintf("r%d-g%d", round, g)))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
					if res.NextRevision != uint64(round) {
						t.Errorf("round %d: the winner landed at revision %d", round, res.NextRevision)
					}
				case !errors.Is(err, eventstore.ErrConflict):
					t.Errorf("round %d: %v, want success or conflict", round, err)
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("round %d: %d winners, want exactly 1", round, wins)
		}
	}
	got, err := st.ReadStream(ctx, "cart-1", eventstore.ReadStreamOptions{})
	if err != nil || len(got) != rounds {
		t.Fatalf("ReadStream: %d events, %v; want %d", len(got), err, rounds)
	}
}

// Two stores on one schema stand for two `souq write` processes. Both append
// to many streams at once while a subscriber on a third tails $all: it sees
// every event exactly once, in order, positions 1..N without a gap.
func TestTwoProcessesAppendWhileSubscriberTails(t *testing.T) {
	e := newEnv(t)
	writers := []*postgres.Store{e.open(t, postgres.Options{}), e.open(t, postgres.Options{})}
	reader := e.open(t, postgres.Options{Poll: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	const goroutines, appends, perAppend = 16, 15, 3
	const total = goroutines * appends * perAppend
	seen := make(chan []eventstore.RecordedEvent, 1024)
	subDone := make(chan error, 1)
	go func() {
		subDone <- reader.Subscribe(ctx, eventstore.Start, func(b []eventstore.RecordedEvent) error {
			seen <- b
			return nil
		})
	}()

	acked := make(chan eventstore.AppendResult, goroutines*appends)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			st := writers[g%2]
			stream := fmt.Sprintf("order-%d", g)
			for i := range appends {
				expected := eventstore.NoStream
				if i > 0 {
					expected = eventstore.Exact(uint64(i*perAppend - 1))
				}
				res, err := st.Append(ctx, stream, expected, events(perAppend, stream))
				if err != nil {
					t.Errorf("%s append %d: %v", stream, i, err)
					return
				}
				acked <- res
			}
		})
	}
	wg.Wait()
	close(acked)

	deadline := time.After(20 * time.Second)
	var got []eventstore.RecordedEvent
	for len(got) < total {
		select {
		case b := <-seen:
			got = append(got, b...)
		case <-deadline:
			t.Fatalf("subscriber saw %d of %d events", len(got), total)
		}
	}
	cancel()
	if err := <-subDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("Subscribe ended with %v, want context.Canceled", err)
	}
	lastRev := map[string]int64{}
	ids := map[string]bool{}
	for i, ev := range got {
		if ev.Position != eventstore.Position(i+1) {
			t.Fatalf("event %d has position %d, want %d (skipped, repeated or reordered)", i, ev.Position, i+1)
		}
		if ids[ev.ID] {
			t.Fatalf("event %s seen twice", ev.ID)
		}
		ids[ev.ID] = true
		prev, ok := lastRev[ev.StreamID]
		if !ok {
			prev = -1
		}
		if int64(ev.StreamRevision) != prev+1 {
			t.Fatalf("%s: revision %d after %d", ev.StreamID, ev.StreamRevision, prev)
		}
		lastRev[ev.StreamID] = int64(ev.StreamRevision)
	}
	for res := range acked {
		if got[res.Position-1].StreamRevision != res.NextRevision {
			t.Fatalf("acknowledged %+v but the event at that position has revision %d", res, got[res.Position-1].StreamRevision)
		}
	}
	if extra := len(got) - total; extra != 0 {
		t.Fatalf("%d events beyond the %d appended", extra, total)
	}
}

// A server, role or connection string whose default isolation is
// SERIALIZABLE must not make appends fail: two processes appending at once
// wait on the counter row's lock, and a serializable waiter would get a
// serialization failure when the holder commits. The store pins READ
// COMMITTED for its own sessions.
func TestStricterDefaultIsolationDoesNotFailAppends(t *testing.T) {
	e := newEnv(t)
	u, err := neturl.Parse(e.url)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("options", "-c default_transaction_isolation=serializable")
	u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20") // pgx reads "+" literally
	url := u.String()
	open := func() *postgres.Store {
		st, err := postgres.Open(t.Context(), url, postgres.Options{Schema: e.schema})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
	stores := []*postgres.Store{open(), open()}
	var wg sync.WaitGroup
	errs := make(chan error, 2*8*20)
	for i, st := range stores {
		for w := range 8 {
			wg.Go(func() {
				for range 20 {
					if _, err := st.Append(t.Context(), fmt.Sprintf("s%d-%d", i, w), eventstore.Any, events(1, "x")); err != nil {
						errs <- err
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("append under a serializable default: %v", err)
	}
	if got := e.count(t, "SELECT count(*) FROM "+e.table("events")); got != 2*8*20 {
		t.Fatalf("%d events stored, want %d", got, 2*8*20)
	}
}
