package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/integrity"
)

var _ eventstore.IntegrityVerifier = (*Store)(nil)

const (
	integrityColumns  = `position, stream_id, stream_revision, event_id::text, type, schema_version, data::text, metadata::text, recorded_at, hash, global_hash`
	sinceColumns      = `e.position, e.stream_id, e.stream_revision, e.event_id::text, e.type, e.schema_version, e.data::text, e.metadata::text, e.recorded_at, e.hash, e.global_hash, p.hash`
	checkpointColumns = `coalesce(seq, 0), position, global_hash, signature, previous`
	fillPage          = 4096
)

// scanIntegrityRow reads one row of integrityColumns, and into more the
// columns after them.
func scanIntegrityRow(rows pgx.Rows, more ...any) (integrity.Row, error) {
	var (
		r        integrity.Row
		pos, rev int64
		version  int32
		at       time.Time
	)
	if err := rows.Scan(append([]any{&pos, &r.Stream, &rev, &r.ID, &r.Type, &version, &r.Data, &r.Metadata, &at, &r.Hash, &r.Global}, more...)...); err != nil {
		return r, err
	}
	r.Position, r.Revision, r.SchemaVersion, r.RecordedAt = uint64(pos), uint64(rev), int(version), at.UnixMicro()
	return r, nil
}

// fillHashes chains the events stored before migration 3, in position
// order, a page at a time, inside the migration's transaction. It locks the
// counter row first, so appends of a process still on the old function wait
// for it (and then fail on the dropped signature) instead of landing
// unhashed between two pages.
func fillHashes(ctx context.Context, tx pgx.Tx, q string) error {
	if _, err := tx.Exec(ctx, `SELECT position FROM `+q+`.es_head FOR UPDATE`); err != nil {
		return fmt.Errorf("lock the counter: %w", err)
	}
	streams := map[string]integrity.Hash{}
	var global integrity.Hash
	after := int64(0)
	for {
		rows, err := tx.Query(ctx, `SELECT `+integrityColumns+` FROM `+q+`.events WHERE position > $1 ORDER BY position LIMIT $2`, after, fillPage)
		if err != nil {
			return fmt.Errorf("read events to hash: %w", err)
		}
		var (
			positions       []int64
			hashes, globals [][]byte
		)
		for rows.Next() {
			r, err := scanIntegrityRow(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("read events to hash: %w", err)
			}
			h := integrity.Link(streams[r.Stream], r.Revision, integrity.Digest(r.Event))
			global = integrity.Global(global, r.Position, h)
			streams[r.Stream] = h
			positions, hashes, globals = append(positions, int64(r.Position)), append(hashes, h.Bytes()), append(globals, global.Bytes())
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read events to hash: %w", err)
		}
		if len(positions) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE `+q+`.events e SET hash = u.h, global_hash = u.g
			FROM unnest($1::bigint[], $2::bytea[], $3::bytea[]) AS u(p, h, g) WHERE e.position = u.p`, positions, hashes, globals); err != nil {
			return fmt.Errorf("store hashes: %w", err)
		}
		if len(positions) < fillPage {
			return nil
		}
		after = positions[len(positions)-1]
	}
}

// VerifyIntegrity implements eventstore.IntegrityVerifier: it walks the
// whole log in one REPEATABLE READ snapshot, checking every event's hashes
// and every checkpoint.
func (s *Store) VerifyIntegrity(ctx context.Context, progress func(done, head eventstore.Position)) ([]eventstore.IntegrityProblem, error) {
	if s.closed() {
		return nil, eventstore.ErrClosed
	}
	if s.opts.IntegrityKey == nil {
		return nil, fmt.Errorf("eventstore/postgres: verify: no integrity key configured to check the checkpoints with")
	}
	var problems []eventstore.IntegrityProblem
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var head int64
		if err := tx.QueryRow(ctx, s.sql.head).Scan(&head); err != nil {
			return fmt.Errorf("head: %w", err)
		}
		rows, err := tx.Query(ctx, s.sql.checkpoints)
		if err != nil {
			return fmt.Errorf("checkpoints: %w", err)
		}
		checkpoints, err := pgx.CollectRows(rows, scanCheckpoint)
		if err != nil {
			return fmt.Errorf("checkpoints: %w", err)
		}
		events, err := tx.Query(ctx, s.sql.verify)
		if err != nil {
			return err
		}
		defer events.Close()
		problems, err = integrity.Verify(ctx, s.opts.IntegrityKey, checkpoints, eventstore.Position(head), progress, func() (integrity.Row, bool, error) {
			if !events.Next() {
				return integrity.Row{}, false, events.Err()
			}
			r, err := scanIntegrityRow(events)
			return r, err == nil, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("eventstore/postgres: verify: %w", err)
	}
	return problems, nil
}

func scanCheckpoint(row pgx.CollectableRow) (integrity.Checkpoint, error) {
	var (
		c        integrity.Checkpoint
		seq, pos int64
	)
	err := row.Scan(&seq, &pos, &c.Global, &c.Signature, &c.Previous)
	c.Seq, c.Position = uint64(seq), uint64(pos)
	return c, err
}

// checkpoint signs the last position when the batch that wrote first..last
// crossed a multiple of CheckpointEvery, or (force) whatever it is. It runs
// after the batch's commit, outside the counter lock, so appends go on
// meanwhile; signers of one schema take turns under an advisory lock, as
// each chains to the newest checkpoint. It signs only when the events after
// the newest checkpoint verify (integrity.Since); when they do not, it logs
// and signs nothing, and the appends go on.
func (s *Store) checkpoint(ctx context.Context, first, last int64, force bool) error {
	cp := integrity.Checkpointer{Key: s.opts.IntegrityKey, Every: uint64(s.opts.CheckpointEvery)}
	if cp.Key == nil || s.opts.noIntegrity || last <= 0 || !force && !cp.Due(uint64(first-1), uint64(last)) {
		return nil
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey(s.opts.Schema+"/checkpoints")); err != nil {
			return fmt.Errorf("lock the checkpoints: %w", err)
		}
		rows, err := tx.Query(ctx, s.sql.lastCheckpoint)
		if err != nil {
			return fmt.Errorf("read the last checkpoint: %w", err)
		}
		newest, err := pgx.CollectRows(rows, scanCheckpoint)
		if err != nil {
			return fmt.Errorf("read the last checkpoint: %w", err)
		}
		var (
			prev  *integrity.Checkpoint
			after int64
		)
		if len(newest) > 0 {
			prev, after = &newest[0], int64(newest[0].Position)
		}
		if after >= last {
			return nil // signed already, here or by another process
		}
		if after == s.refusedAfter.Load() {
			s.opts.Logger.Error("eventstore/postgres: not signing a checkpoint: the events after the last checkpoint failed verification", "checkpoint", after, "head", last)
			return nil
		}
		// Positions commit in order (the counter lock), so every event
		// up to last, committed, is here.
		events, err := tx.Query(ctx, s.sql.since, after, last)
		if err != nil {
			return fmt.Errorf("read the events since the last checkpoint: %w", err)
		}
		defer events.Close()
		verdict, err := integrity.Since{Key: cp.Key, Last: prev}.Check(uint64(last), func() (integrity.SinceRow, bool, error) {
			if !events.Next() {
				return integrity.SinceRow{}, false, events.Err()
			}
			var r integrity.SinceRow
			r.Row, err = scanIntegrityRow(events, &r.PreviousHash)
			return r, err == nil, err
		})
		events.Close()
		if err != nil {
			return fmt.Errorf("check the events since the last checkpoint: %w", err)
		}
		if verdict.Problem != "" {
			s.refusedAfter.Store(after)
			s.opts.Logger.Error("eventstore/postgres: not signing a checkpoint: the events after the last checkpoint do not verify; run souq verify", "checkpoint", after, "head", last, "problem", verdict.Problem)
			return nil
		}
		c := integrity.Next(cp.Key, prev, uint64(last), verdict.Global)
		_, err = tx.Exec(ctx, s.sql.insertCheckpoint, int64(c.Seq), last, c.Global, c.Signature, c.Previous)
		return err
	})
}
