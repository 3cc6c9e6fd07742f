package postgres_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/postgres"
)

// TestOutOfOrderCommit forces the interleaving that makes a naive store skip
// events: appender A gets position 1 and stalls before COMMIT; appender B (a
// second store, as a second process would be) appends after it; a subscriber
// tails $all. Then A commits.
//
// With the cure disabled (positions from a plain sequence, no counter lock),
// B takes position 2 and commits first, the subscriber sees 2 and moves its
// cursor past 1, and A's event at position 1 is never delivered: the test
// asserts that this skip happens, which shows the scenario can catch the bug.
// Checked by hand as well: making the stores of the "with the cure" case
// WithoutCure fails it with "the second appender is not waiting on the
// counter lock" (B commits position 2 at once, and the subscriber would go on
// to skip position 1 exactly as the first subtest shows).
//
// With the cure, B must wait for A's row lock on es_head (the test sees it
// waiting in pg_stat_activity and sees that nothing is delivered meanwhile),
// and the subscriber gets 1 then 2.
func TestOutOfOrderCommit(t *testing.T) {
	t.Run("without the cure an event is skipped", func(t *testing.T) {
		seen, stored := outOfOrder(t, false)
		if !slices.Equal(stored, []eventstore.Position{1, 2}) {
			t.Fatalf("stored positions %v, want [1 2]", stored)
		}
		if !slices.Equal(seen, []eventstore.Position{2}) {
			t.Fatalf("subscriber saw %v; the naive store should have skipped position 1 and shown only [2]", seen)
		}
	})
	t.Run("with the cure nothing is skipped", func(t *testing.T) {
		seen, stored := outOfOrder(t, true)
		if !slices.Equal(stored, []eventstore.Position{1, 2}) {
			t.Fatalf("stored positions %v, want [1 2]", stored)
		}
		if !slices.Equal(seen, []eventstore.Position{1, 2}) {
			t.Fatalf("subscriber saw %v, want [1 2]", seen)
		}
	})
}

// outOfOrder runs the scenario and returns the positions the subscriber saw
// and the positions stored in the end.
func outOfOrder(t *testing.T, cured bool) (seen, stored []eventstore.Position) {
	e := newEnv(t)
	opts := func(o postgres.Options) postgres.Options {
		if !cured {
			o = postgres.WithoutCure(o)
		}
		return o
	}
	stalled, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	a := e.open(t, opts(postgres.WithBeforeCommit(postgres.Options{}, func(_, _ eventstore.Position) {
		once.Do(func() { close(stalled); <-release })
	})))
	b := e.open(t, opts(postgres.Options{}))
	const poll = 20 * time.Millisecond
	reader := e.open(t, opts(postgres.Options{Poll: poll}))
	// Registered after the stores, so on a failure it runs before their
	// Close, which would otherwise wait for the stalled writer for ever.
	unstall := sync.OnceFunc(func() { close(release) })
	t.Cleanup(unstall)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var mu sync.Mutex
	got := make(chan struct{}, 16)
	go func() {
		_ = reader.Subscribe(ctx, eventstore.Start, func(batch []eventstore.RecordedEvent) error {
			mu.Lock()
			for _, ev := range batch {
				seen = append(seen, ev.Position)
			}
			mu.Unlock()
			got <- struct{}{}
			return nil
		})
	}()
	snapshot := func() []eventstore.Position {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}

	aDone := make(chan error, 1)
	go func() {
		_, err := a.Append(ctx, "stream-a", eventstore.Any, events(1, "a"))
		aDone <- err
	}()
	<-stalled // A holds position 1, uncommitted

	bDone := make(chan error, 1)
	go func() {
		_, err := b.Append(ctx, "stream-b", eventstore.Any, events(1, "b"))
		bDone <- err
	}()

	if cured {
		// B must be blocked on A's lock of the counter row, and nothing may
		// reach the subscriber while A is open.
		deadline := time.Now().Add(5 * time.Second)
		for e.count(t, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%append_batch%'`, e.schema) != 1 {
			if time.Now().After(deadline) {
				t.Fatal("the second appender is not waiting on the counter lock")
			}
			time.Sleep(10 * time.Millisecond)
		}
		select {
		case err := <-bDone:
			t.Fatalf("B finished (%v) while A held the counter", err)
		case <-time.After(10 * poll):
		}
		if s := snapshot(); len(s) != 0 {
			t.Fatalf("subscriber saw %v while A was uncommitted", s)
		}
	} else {
		// B commits first and the subscriber sees its event.
		if err := <-bDone; err != nil {
			t.Fatalf("B: %v", err)
		}
		for len(snapshot()) == 0 {
			select {
			case <-got:
			case <-time.After(5 * time.Second):
				t.Fatal("the subscriber never saw B's event")
			}
		}
	}

	unstall()
	if err := <-aDone; err != nil {
		t.Fatalf("A: %v", err)
	}
	if cured {
		if err := <-bDone; err != nil {
			t.Fatalf("B: %v", err)
		}
	}
	// Give the subscriber many polls and wake-ups to catch up with both.
	deadline := time.After(10 * poll)
	for len(snapshot()) < 2 {
		select {
		case <-got:
		case <-deadline:
			goto done
		}
	}
done:
	all, err := reader.ReadAll(t.Context(), eventstore.Start, 10)
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	for _, ev := range all {
		stored = append(stored, ev.Position)
	}
	cancel()
	return snapshot(), stored
}
