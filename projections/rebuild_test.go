package projections_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
)

func TestRebuildUnderReadLoad(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		st := newStore(t)
		seed(t, st, "rebuild", 2000, 41, nil)
		h := head(t, st)
		c := newCounter("counts")
		r := newRunner(t, b, st, projections.Options{BatchSize: 40}, c)
		start(t, r)
		waitFor(t, r, "counts", h)
		ctx := context.Background()

		// The reader checks, in one statement (one snapshot), that the view
		// is whole: every event up to the checkpoint counted, no more, no
		// less, and never fewer than it saw before.
		stop := make(chan struct{})
		var reads atomic.Int64
		var sawShadow atomic.Bool
		var readErr error
		var wg sync.WaitGroup
		wg.Go(func() {
			var last int64
			for {
				select {
				case <-stop:
					return
				default:
				}
				var sum, pos int64
				var origin string
				err := b.rdb.QueryRowContext(ctx, `SELECT
					(SELECT coalesce(sum(n), 0) FROM counts),
					(SELECT position FROM souq_projection_checkpoints WHERE name = 'counts'),
					(SELECT coalesce(min(origin), '') FROM counts)`).Scan(&sum, &pos, &origin)
				switch {
				case err != nil:
					readErr = err
				case sum != pos:
					readErr = errors.New("partial view: " + itoa(sum) + " events counted at checkpoint " + itoa(pos))
				case sum < last:
					readErr = errors.New("view went back from " + itoa(last) + " to " + itoa(sum))
				}
				if readErr != nil {
					return
				}
				last = sum
				reads.Add(1)
				if strings.HasPrefix(origin, "counts__rb") {
					sawShadow.Store(true)
				}
			}
		})
		// Writes keep coming during the rebuild.
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				seed(t, st, "during-"+itoa(int64(i)), 5, 41, nil)
			}
		})

		var reports []projections.Progress
		began := time.Now()
		err := r.Rebuild(ctx, "counts", func(p projections.Progress) { reports = append(reports, p) })
		t.Logf("rebuild took %v", time.Since(began))
		// Let the reader see the swapped view for a while.
		deadline := time.Now().Add(5 * time.Second)
		for !sawShadow.Load() && readErr == nil && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if readErr != nil {
			t.Fatalf("reader during rebuild: %v", readErr)
		}
		if !sawShadow.Load() {
			t.Fatalf("reader never saw the rebuilt table (%d reads)", reads.Load())
		}
		t.Logf("%d consistent reads during the rebuild", reads.Load())

		if len(reports) == 0 || !reports[len(reports)-1].Swapped || reports[len(reports)-1].Position < h {
			t.Fatalf("progress reports %+v: want a last, swapped one at ≥ %d", reports, h)
		}
		h2 := head(t, st)
		waitFor(t, r, "counts", h2)
		got := rows(t, b.rdb, "counts")
		equal(t, "after rebuild", got, expected(t, st, h2, nil))
		// No shadow or old table is left.
		if n := tablesLike(t, b, "counts%"); n != 1 {
			t.Fatalf("%d tables named counts…, want 1", n)
		}
		// A second rebuild works too (fresh index names).
		if err := r.Rebuild(ctx, "counts", nil); err != nil {
			t.Fatal(err)
		}
		equal(t, "after second rebuild", rows(t, b.rdb, "counts"), expected(t, st, head(t, st), nil))
	})
}

func tablesLike(t testing.TB, b backend, pattern string) int {
	t.Helper()
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE ?`
	if b.name == "postgres" {
		q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE $1`
	}
	var n int
	if err := b.db.QueryRow(q, pattern).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestRebuildFailureLeavesLiveView: a rebuild whose projector fails in a
// way the runner cannot park (ctx ends) drops its shadow and leaves the
// live view as it was.
func TestRebuildFailureLeavesLiveView(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		st := newStore(t)
		seed(t, st, "rbfail", 500, 9, nil)
		h := head(t, st)
		c := newCounter("counts")
		r := newRunner(t, b, st, projections.Options{BatchSize: 50}, c)
		start(t, r)
		waitFor(t, r, "counts", h)
		before := rows(t, b.rdb, "counts")

		ctx, cancel := context.WithCancel(context.Background())
		c.hook = func(_ context.Context, ev eventstore.RecordedEvent) {
			if ev.Position == 300 {
				cancel()
			}
		}
		if err := r.Rebuild(ctx, "counts", nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("rebuild: %v, want context.Canceled", err)
		}
		equal(t, "live view after a failed rebuild", rows(t, b.rdb, "counts"), before)
		if n := tablesLike(t, b, "counts%"); n != 1 {
			t.Fatalf("%d tables named counts…, want the live one only", n)
		}
	})
}

// TestRebuildParksInLargeBatches: a rebuild applies its shadow in batches
// of RebuildBatchSize, far larger than the live feed's; an event that keeps
// failing is still found by bisection and parked alone, every other event
// of its batch lands, and the swap stores what the rebuild parked.
func TestRebuildParksInLargeBatches(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		st := newStore(t)
		seed(t, st, "rbpark", 3000, 17, nil)
		h := head(t, st)
		c := &sizing{counter: newCounter("counts")}
		r := newRunner(t, b, st, projections.Options{BatchSize: 50, RebuildBatchSize: 2000, Attempts: 2}, c)
		start(t, r)
		waitFor(t, r, "counts", h)

		poison := func(ev eventstore.RecordedEvent) bool { return ev.Position == 1234 || ev.Position == 2999 }
		c.setFail(func(ev eventstore.RecordedEvent) error {
			if poison(ev) {
				return errors.New("poison")
			}
			return nil
		})
		c.mu.Lock()
		c.largest = 0
		c.mu.Unlock()
		if err := r.Rebuild(context.Background(), "counts", nil); err != nil {
			t.Fatal(err)
		}
		equal(t, "rebuilt without the poison", rows(t, b.rdb, "counts"), expected(t, st, h, poison))
		parked, err := r.Parked(context.Background(), "counts")
		if err != nil {
			t.Fatal(err)
		}
		if len(parked) != 2 || parked[0].Position != 1234 || parked[1].Position != 2999 {
			t.Fatalf("parked %+v, want positions 1234 and 2999", parked)
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.largest != 2000 {
			t.Fatalf("largest rebuild batch %d events, want RebuildBatchSize (2000)", c.largest)
		}
	})
}

// sizing is a counter that remembers the largest batch it was handed.
type sizing struct {
	*counter
	largest int
}

func (s *sizing) HandleBatch(ctx context.Context, tx *projections.Tx, events []eventstore.RecordedEvent) error {
	s.mu.Lock()
	s.largest = max(s.largest, len(events))
	s.mu.Unlock()
	return s.counter.HandleBatch(ctx, tx, events)
}
