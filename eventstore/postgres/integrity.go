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
	integrityColumns = `position, stream_id, stream_revision, event_id::text, type, schema_version, data::text, metadata::text, recorded_at, hash, global_hash`
	fillPage         = 4096
)

// scanIntegrityRow reads one row of integrityColumns.
func scanIntegrityRow(rows pgx.Rows) (integrity.Row, error) {
	var (
		r        integrity.Row
		pos, rev int64
		version  int32
		at       time.Time
	)
	if err := rows.Scan(&pos, &r.Stream, &rev, &r.ID, &r.Type, &version, &r.Data, &r.Metadata, &at, &r.Hash, &r.Global); err != nil {
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
		checkpoints, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (integrity.Checkpoint, error) {
			var (
				c   integrity.Checkpoint
				pos int64
			)
			err := row.Scan(&pos, &c.Global, &c.Signature)
			c.Position = uint64(pos)
			return c, err
		})
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

// checkpoint signs the last position when the batch that wrote first..last
// crossed a multiple of CheckpointEvery, or (force) whatever it is. It runs
// after the batch's commit, outside the counter lock: it reads a committed
// event, and several processes signing the same position store one row.
func (s *Store) checkpoint(ctx context.Context, first, last int64, force bool) error {
	cp := integrity.Checkpointer{Key: s.opts.IntegrityKey, Every: uint64(s.opts.CheckpointEvery)}
	if cp.Key == nil || s.opts.noIntegrity || last <= 0 || !force && !cp.Due(uint64(first-1), uint64(last)) {
		return nil
	}
	var stored []byte
	if err := s.pool.QueryRow(ctx, s.sql.globalAt, last).Scan(&stored); err != nil {
		return fmt.Errorf("read global hash at %d: %w", last, err)
	}
	global, ok := integrity.FromBytes(stored)
	if !ok {
		return fmt.Errorf("event at %d has no global hash", last)
	}
	_, err := s.pool.Exec(ctx, s.sql.insertCheckpoint, last, global.Bytes(), integrity.Sign(cp.Key, uint64(last), global))
	return err
}
