package projections_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
)

// stutter delivers every batch twice and, after each, the first batch it
// ever delivered again: duplicated and stale deliveries, in order.
type stutter struct{ eventstore.Store }

func (s stutter) Subscribe(ctx context.Context, after eventstore.Position, handle func([]eventstore.RecordedEvent) error) error {
	var first []eventstore.RecordedEvent
	return s.Store.Subscribe(ctx, after, func(batch []eventstore.RecordedEvent) error {
		if first == nil {
			first = batch
		}
		for _, b := range [][]eventstore.RecordedEvent{batch, batch, first} {
			if err := handle(b); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestExactlyOnce(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		st := newStore(t)
		seed(t, st, "once", 1500, 37, nil)
		h := head(t, st)
		want := expected(t, st, h, nil)

		// Two runners of the same projector on the same database (two
		// processes, say), both fed with duplicates: every event counts once.
		c := newCounter("counts")
		r1 := newRunner(t, b, stutter{st}, projections.Options{BatchSize: 64}, c)
		r2 := newRunner(t, b, stutter{st}, projections.Options{BatchSize: 50}, c)
		start(t, r1)
		start(t, r2)
		waitFor(t, r1, "counts", h)
		waitFor(t, r2, "counts", h)
		equal(t, "two runners, duplicated delivery", rows(t, b.rdb, "counts"), want)

		// More events while both run.
		seed(t, st, "once-more", 300, 11, nil)
		h = head(t, st)
		waitFor(t, r1, "counts", h)
		waitFor(t, r2, "counts", h)
		equal(t, "live", rows(t, b.rdb, "counts"), expected(t, st, h, nil))

		// Replaying the whole history again (reset) gives the same rows.
		if err := r1.Reset(context.Background(), "counts"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, r1, "counts", h)
		waitFor(t, r2, "counts", h)
		equal(t, "after reset and replay", rows(t, b.rdb, "counts"), expected(t, st, h, nil))
	})
}

func TestParkAndReplay(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		st := newStore(t)
		poison := func(i int) string {
			if i%97 == 13 {
				return "order.poison"
			}
			return "order.touched"
		}
		seed(t, st, "park", 1000, 23, poison)
		h := head(t, st)
		isPoison := func(ev eventstore.RecordedEvent) bool { return ev.Type == "order.poison" }
		bad := errors.New("cannot handle poison yet")

		sick, healthy := newCounter("sick"), newCounter("healthy")
		var attempts int
		sick.setFail(func(ev eventstore.RecordedEvent) error {
			if isPoison(ev) {
				attempts++ // the runner calls one projector from one goroutine
				return bad
			}
			return nil
		})
		reg := prometheus.NewRegistry()
		r := newRunner(t, b, st, projections.Options{BatchSize: 100, Attempts: 3, Registerer: reg}, sick, healthy)
		start(t, r)
		waitFor(t, r, "sick", h)
		waitFor(t, r, "healthy", h)

		equal(t, "healthy", rows(t, b.rdb, "healthy"), expected(t, st, h, nil))
		equal(t, "sick without the poison", rows(t, b.rdb, "sick"), expected(t, st, h, isPoison))
		parked, err := r.Parked(context.Background(), "sick")
		if err != nil {
			t.Fatal(err)
		}
		all, _ := st.ReadAll(context.Background(), 0, int(h))
		var wantParked []eventstore.Position
		for _, ev := range all {
			if isPoison(ev) {
				wantParked = append(wantParked, ev.Position)
			}
		}
		if len(parked) != len(wantParked) {
			t.Fatalf("parked %d events, want %d: %+v", len(parked), len(wantParked), parked)
		}
		for i, p := range parked {
			if p.Position != wantParked[i] || p.Type != "order.poison" || !strings.Contains(p.Error, bad.Error()) || p.Attempts != 3 {
				t.Fatalf("parked[%d] = %+v, want position %d with the error", i, p, wantParked[i])
			}
		}
		// Each poison event: Attempts tries in its batch, one per halving
		// (at most log2(100)+1), then Attempts alone; bounded, not endless.
		if limit := len(wantParked) * (3 + 8 + 3); attempts > limit {
			t.Errorf("%d attempts at poison events, want at most %d", attempts, limit)
		}
		if got := metric(t, reg, "souq_projection_parked_events", "sick"); got != float64(len(wantParked)) {
			t.Errorf("parked gauge = %v, want %d", got, len(wantParked))
		}
		if err := r.Ready(context.Background(), 0); err != nil {
			t.Errorf("parked events made the view unready: %v", err)
		}

		// Cause fixed: replay applies each parked event once.
		sick.setFail(nil)
		n, err := r.ReplayParked(context.Background(), "sick")
		if err != nil || n != len(wantParked) {
			t.Fatalf("replayed %d, %v; want %d", n, err, len(wantParked))
		}
		equal(t, "sick after replay", countsOnly(rows(t, b.rdb, "sick")), countsOnly(expected(t, st, h, nil)))
		if parked, _ := r.Parked(context.Background(), "sick"); len(parked) != 0 {
			t.Fatalf("still parked after replay: %+v", parked)
		}
		if n, err := r.ReplayParked(context.Background(), "sick"); n != 0 || err != nil {
			t.Fatalf("second replay: %d, %v", n, err)
		}
	})
}

// countsOnly drops last_pos: a replayed event arrives after later ones.
func countsOnly(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k], _, _ = strings.Cut(v, "/")
	}
	return out
}

// metric reads one projector's sample of a metric from the registry.
func metric(t testing.TB, reg *prometheus.Registry, name, projector string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "projector" && l.GetValue() == projector {
					if m.GetCounter() != nil {
						return m.GetCounter().GetValue()
					}
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s for %s", name, projector)
	return 0
}

func TestPauseResumeResetAndLag(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		st := newStore(t)
		seed(t, st, "pause", 200, 7, nil)
		h := head(t, st)
		c := newCounter("counts")
		now := time.Unix(1700000000, 0).Add(time.Hour)
		reg := prometheus.NewRegistry()
		r := newRunner(t, b, st, projections.Options{Registerer: reg, Now: func() time.Time { return now }}, c)
		start(t, r)
		waitFor(t, r, "counts", h)
		ctx := context.Background()

		if err := r.Pause(ctx, "counts"); err != nil {
			t.Fatal(err)
		}
		seed(t, st, "pause-more", 50, 7, nil)
		h2 := head(t, st)
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		if err := r.WaitFor(short, "counts", h2); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("paused projector caught up: %v", err)
		}
		st1 := status(t, r, "counts")
		// The first unhandled event is the first of "pause-more", recorded
		// at the base time, an hour before now.
		wantLagSec := time.Hour.Seconds()
		if st1.State != projections.Paused || st1.Position != h || st1.LagEvents != uint64(h2-h) || st1.LagSeconds != wantLagSec {
			t.Fatalf("paused status %+v, want paused at %d, lag %d events and %vs", st1, h, h2-h, wantLagSec)
		}
		if got := metric(t, reg, "souq_projection_lag_events", "counts"); got != float64(h2-h) {
			t.Fatalf("lag gauge %v, want %d", got, h2-h)
		}
		if err := r.Ready(ctx, 10); !errors.Is(err, projections.ErrBehind) {
			t.Fatalf("Ready with a lag of %d > 10: %v", h2-h, err)
		}
		equal(t, "paused", rows(t, b.rdb, "counts"), expected(t, st, h, nil))

		// A new runner on the same database keeps it paused.
		r2 := newRunner(t, b, st, projections.Options{}, newCounter("counts"))
		if s := status(t, r2, "counts"); s.State != projections.Paused {
			t.Fatalf("restarted runner: %s, want paused", s.State)
		}

		if err := r.Resume(ctx, "counts"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, r, "counts", h2)
		if s := status(t, r, "counts"); s.State != projections.Running || s.LagEvents != 0 || s.LagSeconds != 0 {
			t.Fatalf("resumed status %+v", s)
		}
		if err := r.Ready(ctx, 0); err != nil {
			t.Fatal(err)
		}

		if err := r.Reset(ctx, "counts"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, r, "counts", h2)
		equal(t, "after reset", rows(t, b.rdb, "counts"), expected(t, st, h2, nil))
	})
}

func status(t testing.TB, r *projections.Runner, name string) projections.Status {
	t.Helper()
	all, err := r.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no status for %s", name)
	return projections.Status{}
}
