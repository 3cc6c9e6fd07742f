package projections_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
)

var errSinkDown = errors.New("sink: connection refused")

// until polls cond every 10ms for up to 10 s.
func until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTransientFailureRetriesWithoutParking(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		st := newStore(t)
		seed(t, st, "transient", 300, 13, nil)
		h := head(t, st)
		c := newCounter("counts")
		var down atomic.Bool
		var refused atomic.Int64
		down.Store(true)
		c.setFail(func(eventstore.RecordedEvent) error {
			if down.Load() {
				refused.Add(1)
				return fmt.Errorf("write: %w", projections.Transient(errSinkDown))
			}
			return nil
		})
		reg := prometheus.NewRegistry()
		r := newRunner(t, b, st, projections.Options{Registerer: reg, Attempts: 2, Label: "read"}, c)
		start(t, r)
		ctx := context.Background()

		// Far more refusals than Attempts would allow before parking.
		until(t, "the sink refused 50 times", func() bool { return refused.Load() >= 50 })
		s := status(t, r, "counts")
		if s.State != projections.Failing || s.Parked != 0 || s.Position != 0 {
			t.Fatalf("status while the sink is down: %+v, want failing at 0 with nothing parked", s)
		}
		if !strings.Contains(s.LastError, errSinkDown.Error()) {
			t.Fatalf("last error %q, want the sink's", s.LastError)
		}
		if err := r.Ready(ctx, 1000); !errors.Is(err, projections.ErrBehind) {
			t.Fatalf("Ready while the sink is down: %v", err)
		}
		if got := metric(t, reg, "souq_projection_parked_events", "counts"); got != 0 {
			t.Fatalf("parked gauge %v while down", got)
		}

		down.Store(false)
		waitFor(t, r, "counts", h)
		equal(t, "after the sink returned", rows(t, b.rdb, "counts"), expected(t, st, h, nil))
		if s := status(t, r, "counts"); s.State != projections.Running || s.Parked != 0 {
			t.Fatalf("status after recovery: %+v", s)
		}
		if err := r.Ready(ctx, 0); err != nil {
			t.Fatalf("Ready after recovery: %v", err)
		}
		if p, err := r.Parked(ctx, "counts"); err != nil || len(p) != 0 {
			t.Fatalf("parked after recovery: %v, %v", p, err)
		}

		// An error that is not transient still parks.
		c.setFail(func(ev eventstore.RecordedEvent) error {
			if ev.Position == h+1 {
				return errors.New("bad event")
			}
			return nil
		})
		seed(t, st, "transient-more", 5, 3, nil)
		h2 := head(t, st)
		waitFor(t, r, "counts", h2)
		if p, err := r.Parked(ctx, "counts"); err != nil || len(p) != 1 || p[0].Position != h+1 {
			t.Fatalf("parked after a bad event: %+v, %v", p, err)
		}
	})
}

func TestTransientMarks(t *testing.T) {
	if projections.Transient(nil) != nil {
		t.Fatal("Transient(nil) is not nil")
	}
	err := fmt.Errorf("outer: %w", projections.Transient(errSinkDown))
	if !projections.IsTransient(err) || !errors.Is(err, errSinkDown) || err.Error() != "outer: "+errSinkDown.Error() {
		t.Fatalf("wrapped transient: %v", err)
	}
	if projections.IsTransient(errSinkDown) {
		t.Fatal("a plain error is transient")
	}
}

// TestStoredFlagsReachARunningRunner is the operator's CLI against a running
// server: a second runner on the same database, not running, pauses,
// resumes and resets; the running one follows within a few Polls.
func TestStoredFlagsReachARunningRunner(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		st := newStore(t)
		seed(t, st, "flags", 100, 7, nil)
		h := head(t, st)
		server := newRunner(t, b, st, projections.Options{Poll: 20 * time.Millisecond}, newCounter("counts"))
		start(t, server)
		waitFor(t, server, "counts", h)
		ctx := context.Background()
		cli := newRunner(t, b, st, projections.Options{}, newCounter("counts"))

		if err := cli.Pause(ctx, "counts"); err != nil {
			t.Fatal(err)
		}
		until(t, "the server paused", func() bool { return status(t, server, "counts").State == projections.Paused })
		seed(t, st, "flags-more", 40, 7, nil)
		h2 := head(t, st)
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		if err := server.WaitFor(short, "counts", h2); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("the server went on after the CLI paused: %v", err)
		}
		equal(t, "paused from the CLI", rows(t, b.rdb, "counts"), expected(t, st, h, nil))

		if err := cli.Resume(ctx, "counts"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, server, "counts", h2)
		equal(t, "resumed from the CLI", rows(t, b.rdb, "counts"), expected(t, st, h2, nil))

		// A reset while the server is idle at the head: no new event comes
		// to reveal it, yet the server replays everything.
		if err := cli.Reset(ctx, "counts"); err != nil {
			t.Fatal(err)
		}
		until(t, "the server replayed after the reset", func() bool {
			s := status(t, server, "counts")
			return s.Position == h2 && len(rows(t, b.rdb, "counts")) == len(expected(t, st, h2, nil))
		})
		equal(t, "reset from the CLI", rows(t, b.rdb, "counts"), expected(t, st, h2, nil))
	})
}
