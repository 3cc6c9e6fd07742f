package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/sqlite"
)

func TestGroupCommitSharesTransactions(t *testing.T) {
	s := open(t, tempPath(t), sqlite.Options{})
	const writers, each = 64, 20
	before := s.Transactions()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				exp := eventstore.NoStream
				if i > 0 {
					exp = eventstore.Exact(uint64(i - 1))
				}
				if _, err := s.Append(context.Background(), fmt.Sprintf("w%d", w), exp, events(1)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	txs := s.Transactions() - before
	appends := int64(writers * each)
	t.Logf("%d appends in %d transactions (%.1f per transaction)", appends, txs, float64(appends)/float64(txs))
	if txs*4 > appends {
		t.Fatalf("%d transactions for %d concurrent appends: group commit is not grouping", txs, appends)
	}
	if all := readAll(t, s); len(all) != int(appends) {
		t.Fatalf("$all holds %d events, want %d", len(all), appends)
	}
}

func TestCloseFinishesAcceptedAppends(t *testing.T) {
	path := tempPath(t)
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		acked = map[string]bool{}
	)
	for w := range 16 {
		wg.Go(func() {
			for {
				es := events(2)
				_, err := s.Append(context.Background(), fmt.Sprintf("c%d", w), eventstore.Any, es)
				if errors.Is(err, eventstore.ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("append: %v", err)
					return
				}
				mu.Lock()
				acked[es[0].ID], acked[es[1].ID] = true, true
				mu.Unlock()
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	s = open(t, path, sqlite.Options{})
	all := readAll(t, s)
	if len(all) != len(acked) {
		t.Fatalf("$all holds %d events, %d were acknowledged", len(all), len(acked))
	}
	for _, e := range all {
		if !acked[e.ID] {
			t.Fatalf("event %s stored but its append was not acknowledged", e.ID)
		}
	}
}

// TestTwoProcessesShareOneFile stands in for a CLI appending to the file a
// server has open: two stores, each with its own writer, on one file. The
// positions stay gap-free and a subscriber of one sees the other's events
// through the poll.
func TestTwoProcessesShareOneFile(t *testing.T) {
	path := tempPath(t)
	a := open(t, path, sqlite.Options{Poll: 20 * time.Millisecond})
	b := open(t, path, sqlite.Options{})
	const each = 100
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	seen := make(chan eventstore.RecordedEvent, 4*each)
	subDone := make(chan error, 1)
	go func() {
		subDone <- a.Subscribe(ctx, eventstore.Start, func(batch []eventstore.RecordedEvent) error {
			for _, e := range batch {
				seen <- e
			}
			return nil
		})
	}()
	var wg sync.WaitGroup
	for i, s := range []*sqlite.Store{a, b} {
		wg.Go(func() {
			for range each {
				if _, err := s.Append(ctx, fmt.Sprintf("p%d", i), eventstore.Any, events(2)); err != nil {
					t.Errorf("store %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for want := eventstore.Position(1); want <= 4*each; want++ {
		select {
		case e := <-seen:
			if e.Position != want {
				t.Fatalf("subscriber got position %d, want %d", e.Position, want)
			}
		case <-ctx.Done():
			t.Fatalf("subscriber stopped at position %d", want-1)
		}
	}
	cancel()
	if err := <-subDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("Subscribe returned %v", err)
	}
	readAll(t, b)
}
