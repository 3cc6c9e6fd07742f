package projections

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/souq-market/souq/eventstore"
)

// Progress of a rebuild, reported to its callback.
type Progress struct {
	Position eventstore.Position // last event in the shadow
	Head     eventstore.Position // store head when last read
	Events   uint64              // handled so far
	Elapsed  time.Duration
	Rate     float64 // events per second since the start
	Swapped  bool    // the last report: the shadow is live
}

// Rebuild rebuilds an SQL projector without downtime: it creates its tables
// again under a fresh suffix (the shadow), feeds them from position zero
// while the live tables keep serving and the projector keeps following,
// then stops the projector for the last few events, and in one transaction
// renames the live tables away, the shadows into their place, drops the old
// ones, moves the checkpoint to the shadow's position and replaces the
// parked list with what the rebuild parked. Readers see the old view until
// that commit and the new one after it, never an empty or partial one.
//
// progress, when not nil, is called at most every 250ms and once at the end
// from Rebuild's goroutine. On failure the shadow tables are dropped and the
// live view is untouched. A rebuild also migrates a view whose DDL changed:
// the shadow is created from the current Tables.
func (r *Runner) Rebuild(ctx context.Context, name string, progress func(Progress)) error {
	w, err := r.worker(name)
	if err != nil {
		return err
	}
	if w.sql == nil {
		return fmt.Errorf("%w: %s", ErrNotSQL, name)
	}
	w.mu.Lock()
	if w.rebuilding {
		w.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrRebuilding, name)
	}
	w.rebuilding = true
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.rebuilding = false
		w.mu.Unlock()
	}()

	start := r.now()
	t := &target{suffix: "__rb" + strconv.FormatInt(start.UnixNano(), 36), shadow: true, batch: r.opts.RebuildBatchSize}
	tables := w.sql.Tables()
	if err := inTx(ctx, r.db, func(tx *sql.Tx) error { return r.createTables(ctx, tx, tables, t.suffix) }); err != nil {
		return fmt.Errorf("projections: rebuild %s: create shadow: %w", name, err)
	}
	swapped := false
	defer func() {
		if swapped {
			return
		}
		// Leave no shadow behind, even when ctx has ended.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		for _, tb := range tables {
			if _, err := r.db.ExecContext(dctx, "DROP TABLE IF EXISTS "+tb.Name+t.suffix); err != nil {
				r.log.Error("projections: drop shadow table", "table", tb.Name+t.suffix, "err", err)
			}
		}
	}()

	var events uint64
	var head eventstore.Position
	last := time.Time{}
	report := func(final bool) {
		if progress == nil {
			return
		}
		now := r.now()
		if !final && now.Sub(last) < 250*time.Millisecond {
			return
		}
		last = now
		el := now.Sub(start)
		p := Progress{Position: t.pos, Head: head, Events: events, Elapsed: el, Swapped: final}
		if el > 0 {
			p.Rate = float64(events) / el.Seconds()
		}
		progress(p)
	}
	// catchUp feeds the shadow until a read comes back empty.
	catchUp := func() error {
		for {
			batch, err := r.store.ReadAll(ctx, t.pos, t.batch)
			if err != nil {
				return fmt.Errorf("read after %d: %w", t.pos, err)
			}
			if len(batch) == 0 {
				return nil
			}
			if err := w.feed(ctx, t, batch); err != nil {
				return err
			}
			events += uint64(len(batch))
			if p := batch[len(batch)-1].Position; p > head {
				head = p
			}
			report(false)
		}
	}

	if head, err = r.store.Head(ctx); err != nil {
		return fmt.Errorf("projections: rebuild %s: %w", name, err)
	}
	if err := catchUp(); err != nil {
		return fmt.Errorf("projections: rebuild %s: %w", name, err)
	}
	err = w.exclusive(func() error {
		// The live feed is stopped: what came in meanwhile goes into the
		// shadow first, then the swap.
		if err := catchUp(); err != nil {
			return err
		}
		return inTx(ctx, r.db, func(tx *sql.Tx) error {
			for _, tb := range tables {
				old := tb.Name + "__old" + t.suffix
				for _, stmt := range []string{
					"ALTER TABLE " + tb.Name + " RENAME TO " + old,
					"ALTER TABLE " + tb.Name + t.suffix + " RENAME TO " + tb.Name,
					"DROP TABLE " + old,
				} {
					if _, err := tx.ExecContext(ctx, stmt); err != nil {
						return fmt.Errorf("swap %s: %w", tb.Name, err)
					}
				}
			}
			var recorded int64
			if t.pos > 0 {
				evs, err := r.store.ReadAll(ctx, t.pos-1, 1)
				if err == nil && len(evs) == 1 {
					recorded = evs[0].Metadata.RecordedAt.UnixNano()
				}
			}
			if _, err := tx.ExecContext(ctx, r.q.move, int64(t.pos), recorded, r.now().UnixNano(), name); err != nil {
				return fmt.Errorf("move checkpoint: %w", err)
			}
			if _, err := tx.ExecContext(ctx, r.q.clearPk, name, int64(t.pos)); err != nil {
				return fmt.Errorf("clear parked: %w", err)
			}
			for _, p := range t.parked {
				if err := r.insertParked(ctx, tx, name, p); err != nil {
					return fmt.Errorf("park: %w", err)
				}
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("projections: rebuild %s: %w", name, err)
	}
	swapped = true
	w.setPos(t.pos)
	report(true)
	r.log.Info("projection rebuilt", "projector", name, "position", t.pos, "events", events,
		"elapsed", r.now().Sub(start), "parked", len(t.parked))
	return nil
}
