package projections_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
)

// TestCrashMidBatch cancels the runner inside a batch, after some of its rows
// were written: none of them may show, and a restarted runner ends with the
// rows of a fresh rebuild.
func TestCrashMidBatch(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		st := newStore(t)
		seed(t, st, "crash", 1000, 13, nil)
		h := head(t, st)
		c := newCounter("counts")
		ctx, cancel := context.WithCancel(context.Background())
		c.hook = func(_ context.Context, ev eventstore.RecordedEvent) {
			if ev.Position == 437 { // mid-batch: batches are 1–100, 101–200 …
				cancel()
			}
		}
		r := newRunner(t, b, st, projections.Options{BatchSize: 100}, c)
		if err := r.Run(ctx); !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		s := status(t, r, "counts")
		if s.Position != 400 {
			t.Fatalf("checkpoint %d after a crash in batch 401–500, want 400", s.Position)
		}
		equal(t, "after the crash", rows(t, b.rdb, "counts"), expected(t, st, s.Position, nil))

		c.hook = nil
		r2 := newRunner(t, b, st, projections.Options{BatchSize: 100}, c)
		start(t, r2)
		waitFor(t, r2, "counts", h)
		equal(t, "restarted", rows(t, b.rdb, "counts"), expected(t, st, h, nil))
	})
}

// TestKilledMidBatch kills a real child process in the middle of a batch
// (os.Exit between two rows, the transaction open) and restarts it.
func TestKilledMidBatch(t *testing.T) {
	if os.Getenv("PROJ_TEST_CHILD") != "" {
		child(t)
		return
	}
	backends(t, func(t *testing.T, b backend) {
		st := newStore(t)
		seed(t, st, "kill", 1000, 13, nil) // the child builds the same history
		h := head(t, st)
		cmd := exec.Command(os.Args[0], "-test.run=^TestKilledMidBatch$", "-test.count=1")
		cmd.Env = append(append(os.Environ(), b.env...), "PROJ_TEST_CHILD=1")
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 3 {
			t.Fatalf("child: %v, want exit 3\n%s", err, out)
		}

		// The parent opens the database the child wrote.
		c := newCounter("counts")
		r := newRunner(t, b, st, projections.Options{BatchSize: 100}, c)
		s := status(t, r, "counts")
		if s.Position != 600 {
			t.Fatalf("checkpoint %d after the child died in batch 601–700, want 600", s.Position)
		}
		equal(t, "after the kill", rows(t, b.rdb, "counts"), expected(t, st, s.Position, nil))
		start(t, r)
		waitFor(t, r, "counts", h)
		equal(t, "restarted", rows(t, b.rdb, "counts"), expected(t, st, h, nil))
	})
}

// child runs the projector and dies between two rows of event 650's batch.
func child(t *testing.T) {
	var b backend
	if p := os.Getenv("PROJ_TEST_SQLITE"); p != "" {
		b = sqliteBackend(t, p)
	} else {
		b = postgresBackend(t, os.Getenv("PROJ_TEST_PG_URL"), os.Getenv("PROJ_TEST_PG_SCHEMA"))
	}
	st := newStore(t)
	seed(t, st, "kill", 1000, 13, nil)
	c := newCounter("counts")
	c.hook = func(_ context.Context, ev eventstore.RecordedEvent) {
		if ev.Position == 650 {
			os.Exit(3)
		}
	}
	r := newRunner(t, b, st, projections.Options{BatchSize: 100}, c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = r.Run(ctx)
	t.Fatal("the child was meant to die at event 650")
}
