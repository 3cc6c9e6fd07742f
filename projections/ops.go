package projections

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/souq-market/souq/eventstore"
)

// exclusive runs fn with the projector's feed stopped: it cancels the batch
// in flight (whose transaction rolls back), waits for the feed to let go,
// and restarts it after fn.
func (w *worker) exclusive(fn func() error) error {
	w.mu.Lock()
	w.holds++
	w.gen++
	if w.cancel != nil {
		w.cancel()
	}
	w.mu.Unlock()
	w.exec.Lock()
	err := fn()
	w.exec.Unlock()
	w.mu.Lock()
	w.holds--
	w.gen++
	w.mu.Unlock()
	w.wake()
	return err
}

// watch applies, every Poll until ctx ends, what another process (the
// operator's CLI, another runner) did to this runner's projectors in the
// database: a paused flag set or cleared pauses or resumes the projector
// here, and a checkpoint moved back (a reset) restarts its feed from there
// even when no new event would reveal it.
func (r *Runner) watch(ctx context.Context) {
	tick := time.NewTicker(r.opts.Poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := r.poll(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("projections: reading the stored flags failed", "err", err)
		}
	}
}

// storedFlags reads the checkpoints table without placeholders, the same on every
// dialect.
const storedFlags = `SELECT name, position, paused FROM souq_projection_checkpoints`

func (r *Runner) poll(ctx context.Context) error {
	type seen struct {
		gen uint64
		pos eventstore.Position
	}
	// What each worker was before the read: a local operation after it
	// (gen moved) wins over the stored flag, and only a checkpoint below
	// the position this runner had already stored counts as moved back.
	before := make(map[string]seen, len(r.workers))
	for name, w := range r.workers {
		w.mu.Lock()
		before[name] = seen{w.gen, w.pos}
		w.mu.Unlock()
	}
	rows, err := r.db.QueryContext(ctx, storedFlags)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var pos, paused int64
		if err := rows.Scan(&name, &pos, &paused); err != nil {
			return err
		}
		w, ok := r.workers[name]
		if !ok {
			continue
		}
		b := before[name]
		w.mu.Lock()
		if w.gen != b.gen || w.rebuilding {
			w.mu.Unlock()
			continue
		}
		changed := w.paused != (paused != 0)
		moved := eventstore.Position(pos) < b.pos
		if changed {
			w.paused = paused != 0
			r.log.Info("projections: paused flag changed in the database", "projector", name, "paused", w.paused)
		}
		if moved {
			r.log.Info("projections: checkpoint moved back in the database", "projector", name, "from", b.pos, "to", pos)
			w.pos = eventstore.Position(pos)
		}
		if (changed && w.paused || moved) && w.cancel != nil {
			w.cancel() // the loop sees the flag, or follows from the stored checkpoint
		}
		w.mu.Unlock()
		if moved {
			w.advanced.Notify()
		}
		if changed {
			w.wake()
		}
	}
	return rows.Err()
}

// Pause stops a projector, durably (a restarted runner keeps it paused). It
// returns once no batch of it is in flight.
func (r *Runner) Pause(ctx context.Context, name string) error { return r.setPaused(ctx, name, true) }

// Resume restarts a paused projector from its checkpoint.
func (r *Runner) Resume(ctx context.Context, name string) error { return r.setPaused(ctx, name, false) }

func (r *Runner) setPaused(ctx context.Context, name string, paused bool) error {
	w, err := r.worker(name)
	if err != nil {
		return err
	}
	flag := 0
	if paused {
		flag = 1
	}
	return w.exclusive(func() error {
		if _, err := r.db.ExecContext(ctx, r.q.pause, flag, name); err != nil {
			return fmt.Errorf("projections: pause %s: %w", name, err)
		}
		w.mu.Lock()
		w.paused = paused
		w.mu.Unlock()
		return nil
	})
}

// Reset clears a projector's rows (its Reset), its parked events and its
// checkpoint, so it starts again from position zero. Prefer Rebuild for a
// view that serves reads: Reset empties it until the projector caught up.
func (r *Runner) Reset(ctx context.Context, name string) error {
	w, err := r.worker(name)
	if err != nil {
		return err
	}
	return w.exclusive(func() error {
		err := inTx(ctx, r.db, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, r.q.move, 0, 0, r.now().UnixNano(), name); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, r.q.clearPk, name, int64(math.MaxInt64)); err != nil {
				return err
			}
			if w.sql != nil {
				return w.sql.Reset(ctx, &Tx{tx: tx, dialect: r.d})
			}
			// The checkpoint goes back first: should emptying the sink
			// fail, the events come again over what is there, which
			// idempotent writes allow; the reverse would lose them.
			return nil
		})
		if err == nil && w.idem != nil {
			err = w.idem.Reset(ctx)
		}
		if err != nil {
			return fmt.Errorf("projections: reset %s: %w", name, err)
		}
		w.setPos(0)
		return nil
	})
}

// Parked is an event a projector gave up on.
type Parked struct {
	Projector string
	Position  eventstore.Position
	EventID   string
	Stream    string
	Revision  uint64
	Type      string
	Error     string
	Attempts  int
	ParkedAt  time.Time
}

// Parked lists a projector's parked events in position order.
func (r *Runner) Parked(ctx context.Context, name string) ([]Parked, error) {
	if _, err := r.worker(name); err != nil {
		return nil, err
	}
	rows, err := r.db.QueryContext(ctx, r.q.parked, name)
	if err != nil {
		return nil, fmt.Errorf("projections: list parked of %s: %w", name, err)
	}
	defer rows.Close()
	var out []Parked
	for rows.Next() {
		p := Parked{Projector: name}
		var pos, rev, at int64
		if err := rows.Scan(&pos, &p.EventID, &p.Stream, &rev, &p.Type, &p.Error, &p.Attempts, &at); err != nil {
			return nil, fmt.Errorf("projections: list parked of %s: %w", name, err)
		}
		p.Position, p.Revision, p.ParkedAt = eventstore.Position(pos), uint64(rev), time.Unix(0, at)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("projections: list parked of %s: %w", name, err)
	}
	return out, nil
}

// ReplayParked applies a projector's parked events again, oldest first, each
// on its own (for an SQL projector in one transaction with its removal from
// the parked list). It returns how many now succeeded; those still failing
// stay parked with their new error, listed in the returned error. The
// projector must tolerate an event arriving after later ones of other
// aggregates: that is what parking means.
func (r *Runner) ReplayParked(ctx context.Context, name string) (int, error) {
	w, err := r.worker(name)
	if err != nil {
		return 0, err
	}
	parked, err := r.Parked(ctx, name)
	if err != nil {
		return 0, err
	}
	done := 0
	var failed []error
	err = w.exclusive(func() error {
		for _, p := range parked {
			evs, err := r.store.ReadAll(ctx, p.Position-1, 1)
			if err != nil {
				return fmt.Errorf("projections: replay %s: read event %d: %w", name, p.Position, err)
			}
			if len(evs) == 0 || evs[0].Position != p.Position || evs[0].ID != p.EventID {
				failed = append(failed, fmt.Errorf("event %d (%s) is no longer in the store", p.Position, p.EventID))
				continue
			}
			if err := w.replay(ctx, evs[0]); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				failed = append(failed, fmt.Errorf("event %d (%s): %w", p.Position, p.Type, err))
				if perr := inTx(ctx, r.db, func(tx *sql.Tx) error {
					return r.insertParked(ctx, tx, name, parkedEvent{ev: evs[0], err: err.Error(), attempts: 1})
				}); perr != nil {
					return fmt.Errorf("projections: replay %s: %w", name, perr)
				}
				continue
			}
			done++
		}
		return nil
	})
	if err != nil {
		return done, err
	}
	if len(failed) > 0 {
		return done, fmt.Errorf("projections: replay %s: %d still failing: %w", name, len(failed), errors.Join(failed...))
	}
	return done, nil
}

func (w *worker) replay(ctx context.Context, ev eventstore.RecordedEvent) error {
	events := []eventstore.RecordedEvent{ev}
	if w.idem != nil {
		if err := w.idem.Handle(ctx, events); err != nil {
			return err
		}
		_, err := w.r.db.ExecContext(ctx, w.r.q.unpark, w.name, int64(ev.Position))
		return err
	}
	return inTx(ctx, w.r.db, func(tx *sql.Tx) error {
		if err := w.sql.HandleBatch(ctx, &Tx{tx: tx, dialect: w.r.d}, events); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, w.r.q.unpark, w.name, int64(ev.Position))
		return err
	})
}

// WaitFor returns once the projector's checkpoint is at or past pos (its
// rows then show every event up to pos), or with ctx's error. It wakes at
// once when this runner moves the checkpoint, and reads the stored one every
// Options.Poll for a projector that runs in another process.
func (r *Runner) WaitFor(ctx context.Context, name string, pos eventstore.Position) error {
	w, err := r.worker(name)
	if err != nil {
		return err
	}
	tick := time.NewTicker(r.opts.Poll)
	defer tick.Stop()
	for {
		woken := w.advanced.Wait()
		w.mu.Lock()
		cur := w.pos
		w.mu.Unlock()
		if cur >= pos {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-woken:
		case <-tick.C:
			var stored, paused int64
			if err := r.db.QueryRowContext(ctx, r.q.load, name).Scan(&stored, &paused); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("projections: wait for %s: %w", name, err)
			}
			if eventstore.Position(stored) >= pos {
				return nil
			}
		}
	}
}
