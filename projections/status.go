package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/eventstore"
)

// State is what a projector is doing.
type State string

const (
	Running State = "running" // following the store
	Paused  State = "paused"  // stopped by an operator
	Failing State = "failing" // its last attempt failed; retrying
	Stopped State = "stopped" // not run by this runner (Run not called, or returned)
)

// Status is one projector's progress, read from the stored checkpoints (so
// it is right even when another process runs the projector) and from this
// runner's own counters.
type Status struct {
	Name     string
	State    State
	Position eventstore.Position
	Head     eventstore.Position
	// LagEvents is Head − Position. On the SQL stores positions have no
	// gaps, so it counts events; on KurrentDB it is a distance in commit
	// positions, zero exactly when caught up.
	LagEvents uint64
	// LagSeconds is how long the oldest event the projector has not
	// handled has been waiting (0 when caught up): the staleness a reader
	// of the view may see.
	LagSeconds float64
	Rate       float64 // events handled per second over the last 10 s
	Parked     int
	Rebuilding bool
	LastError  string // of the last failed attempt, kept after recovery
}

// Status reports every projector, in the order New got them.
func (r *Runner) Status(ctx context.Context) ([]Status, error) {
	head, err := r.store.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("projections: status: head: %w", err)
	}
	stored := map[string]eventstore.Position{}
	rows, err := r.db.QueryContext(ctx, r.q.loadAll)
	if err != nil {
		return nil, fmt.Errorf("projections: status: %w", err)
	}
	for rows.Next() {
		var name string
		var pos, at int64
		if err := rows.Scan(&name, &pos, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("projections: status: %w", err)
		}
		stored[name] = eventstore.Position(pos)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("projections: status: %w", err)
	}
	parked := map[string]int{}
	rows, err = r.db.QueryContext(ctx, r.q.countParked)
	if err != nil {
		return nil, fmt.Errorf("projections: status: %w", err)
	}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("projections: status: %w", err)
		}
		parked[name] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("projections: status: %w", err)
	}

	now := r.now()
	out := make([]Status, 0, len(r.names))
	for _, name := range r.names {
		w := r.workers[name]
		s := Status{Name: name, Position: stored[name], Head: head, Parked: parked[name]}
		w.mu.Lock()
		switch {
		case w.paused:
			s.State = Paused
		case w.failing:
			s.State = Failing
		case w.running:
			s.State = Running
		default:
			s.State = Stopped
		}
		s.Rate, s.Rebuilding, s.LastError = w.meter.rate(now), w.rebuilding, w.lastErr
		w.mu.Unlock()
		if head > s.Position {
			s.LagEvents = uint64(head - s.Position)
			next, err := r.store.ReadAll(ctx, s.Position, 1)
			if err != nil {
				return nil, fmt.Errorf("projections: status of %s: %w", name, err)
			}
			if len(next) > 0 && !next[0].Metadata.RecordedAt.IsZero() {
				s.LagSeconds = max(0, now.Sub(next[0].Metadata.RecordedAt).Seconds())
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// Ready is the read side's readiness: nil when every projector is running
// (or paused by an operator) within maxLag events of the head; otherwise
// an ErrBehind naming each projector that is failing or further behind.
// Parked events do not make it unready, since the rest of the view is
// current; they show in Status and the metrics.
func (r *Runner) Ready(ctx context.Context, maxLag uint64) error {
	st, err := r.Status(ctx)
	if err != nil {
		return err
	}
	var problems []error
	for _, s := range st {
		switch {
		case s.State == Failing:
			problems = append(problems, fmt.Errorf("%s failing at %d: %s", s.Name, s.Position, s.LastError))
		case s.LagEvents > maxLag:
			problems = append(problems, fmt.Errorf("%s %d events behind (%.1fs)", s.Name, s.LagEvents, s.LagSeconds))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %w", ErrBehind, errors.Join(problems...))
	}
	return nil
}

// collector exports Status to Prometheus, read at scrape time. Its
// descriptors carry the runner's Label, so that the collectors of several
// runners fit in one registry.
type collector struct {
	r                                                 *Runner
	position, lag, lagSec, rate, total, parked, state *prometheus.Desc
}

func newCollector(r *Runner) collector {
	l := prometheus.Labels{"runner": r.opts.Label}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, append([]string{"projector"}, labels...), l)
	}
	return collector{r: r,
		position: d("souq_projection_position", "Global position of the last event the projector handled."),
		lag:      d("souq_projection_lag_events", "Store head minus the projector's position."),
		lagSec:   d("souq_projection_lag_seconds", "Age of the oldest event the projector has not handled."),
		rate:     d("souq_projection_events_per_second", "Events handled per second over the last 10 s."),
		total:    d("souq_projection_events_total", "Events handled by this process."),
		parked:   d("souq_projection_parked_events", "Events parked after repeated failures."),
		state:    d("souq_projection_state", "1 for the projector's current state.", "state"),
	}
}

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.position, c.lag, c.lagSec, c.rate, c.total, c.parked, c.state} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.r.Status(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.position, err)
		return
	}
	g := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, s := range st {
		g(c.position, float64(s.Position), s.Name)
		g(c.lag, float64(s.LagEvents), s.Name)
		g(c.lagSec, s.LagSeconds, s.Name)
		g(c.rate, s.Rate, s.Name)
		g(c.parked, float64(s.Parked), s.Name)
		w := c.r.workers[s.Name]
		w.mu.Lock()
		total := w.total
		w.mu.Unlock()
		ch <- prometheus.MustNewConstMetric(c.total, prometheus.CounterValue, float64(total), s.Name)
		for _, state := range []State{Running, Paused, Failing, Stopped} {
			v := 0.0
			if s.State == state {
				v = 1
			}
			g(c.state, v, s.Name, string(state))
		}
	}
}
