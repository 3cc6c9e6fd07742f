package projections

import (
	"context"
	"database/sql"
	"fmt"
)

// CheckpointTable is the runner's table of checkpoints (name, position …).
// Tools that must read a view's position in the same transaction as its
// rows, as souq verify does, name it; everyone else asks the runner.
const CheckpointTable = "souq_projection_checkpoints"

// The runner's own tables. Their names carry the souq_projection_ prefix so
// they cannot collide with a projector's.
//
// migrations lists the schema versions in order; each runs once, in its own
// transaction, and is recorded in souq_projection_schema. Never edit a
// released step: append a new one.
func migrations(d Dialect) [][]string {
	return [][]string{
		1: {
			`CREATE TABLE souq_projection_checkpoints (
				name        TEXT PRIMARY KEY,
				position    BIGINT NOT NULL,
				paused      BIGINT NOT NULL DEFAULT 0,
				recorded_at BIGINT NOT NULL DEFAULT 0,
				updated_at  BIGINT NOT NULL DEFAULT 0
			)`,
			`CREATE TABLE souq_projection_parked (
				id        ` + d.autoID + `,
				projector TEXT NOT NULL,
				position  BIGINT NOT NULL,
				event_id  TEXT NOT NULL,
				stream    TEXT NOT NULL,
				revision  BIGINT NOT NULL,
				type      TEXT NOT NULL,
				error     TEXT NOT NULL,
				attempts  BIGINT NOT NULL,
				parked_at BIGINT NOT NULL,
				UNIQUE (projector, position)
			)`,
		},
	}
}

// queries are the runner's statements, each written once and rebound for
// the dialect when the runner is made.
type queries struct {
	ensure, load, loadAll, claim, move, pause  string
	park, parked, unpark, countParked, clearPk string
	tableExists                                string
}

func newQueries(d Dialect) queries {
	q := queries{
		ensure: `INSERT INTO souq_projection_checkpoints (name, position) VALUES (?, 0) ON CONFLICT (name) DO NOTHING`,
		load:   `SELECT position, paused FROM souq_projection_checkpoints WHERE name = ?`,
		// claim moves a checkpoint only from where this runner believes it
		// is: a second runner of the same projector (another process) finds
		// zero rows changed and starts over from the stored checkpoint,
		// instead of applying the batch twice. It runs first in the batch's
		// transaction, so on PostgreSQL its row lock also orders the two.
		claim: `UPDATE souq_projection_checkpoints SET position = ?, recorded_at = ?, updated_at = ? WHERE name = ? AND position = ?`,
		// move sets a checkpoint whatever it was: reset and the swap of a
		// rebuild, which hold the projector stopped.
		move:    `UPDATE souq_projection_checkpoints SET position = ?, recorded_at = ?, updated_at = ? WHERE name = ?`,
		loadAll: `SELECT name, position, recorded_at FROM souq_projection_checkpoints`,
		pause:   `UPDATE souq_projection_checkpoints SET paused = ? WHERE name = ?`,
		park: `INSERT INTO souq_projection_parked (projector, position, event_id, stream, revision, type, error, attempts, parked_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (projector, position) DO UPDATE SET error = excluded.error, attempts = souq_projection_parked.attempts + excluded.attempts, parked_at = excluded.parked_at`,
		parked: `SELECT position, event_id, stream, revision, type, error, attempts, parked_at
			FROM souq_projection_parked WHERE projector = ? ORDER BY position`,
		unpark:      `DELETE FROM souq_projection_parked WHERE projector = ? AND position = ?`,
		countParked: `SELECT projector, count(*) FROM souq_projection_parked GROUP BY projector`,
		clearPk:     `DELETE FROM souq_projection_parked WHERE projector = ? AND position <= ?`,
		tableExists: d.tableExists,
	}
	for _, p := range []*string{&q.ensure, &q.load, &q.loadAll, &q.claim, &q.move, &q.pause, &q.park, &q.parked, &q.unpark, &q.countParked, &q.clearPk, &q.tableExists} {
		*p = d.Rebind(*p)
	}
	return q
}

// migrate brings the runner's tables to the latest version.
func migrate(ctx context.Context, db *sql.DB, d Dialect) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS souq_projection_schema (version BIGINT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("projections: migrate: %w", err)
	}
	steps := migrations(d)
	for v := 1; v < len(steps); v++ {
		if err := inTx(ctx, db, func(tx *sql.Tx) error {
			if d.lock != "" {
				if _, err := tx.ExecContext(ctx, d.lock); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, d.Rebind(`SELECT count(*) FROM souq_projection_schema WHERE version = ?`), v).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			for _, stmt := range steps[v] {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO souq_projection_schema (version) VALUES (?)`), v)
			return err
		}); err != nil {
			return fmt.Errorf("projections: migrate to version %d: %w", v, err)
		}
	}
	return nil
}

// inTx runs fn in a transaction, committed when fn returns nil.
func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		if ctx.Err() != nil {
			// database/sql rolled back on cancellation: say why.
			return fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return err
	}
	return nil
}

// createTables creates a projector's tables under suffix, skipping those that
// exist (a runner restarting over its own tables).
func (r *Runner) createTables(ctx context.Context, tx *sql.Tx, tables []Table, suffix string) error {
	for _, t := range tables {
		var n int
		if err := tx.QueryRowContext(ctx, r.q.tableExists, t.Name+suffix).Scan(&n); err != nil {
			return fmt.Errorf("table %s: %w", t.Name+suffix, err)
		}
		if n > 0 {
			continue
		}
		for _, stmt := range t.DDL {
			if _, err := tx.ExecContext(ctx, expand(stmt, suffix)); err != nil {
				return fmt.Errorf("table %s: %w", t.Name+suffix, err)
			}
		}
	}
	return nil
}
