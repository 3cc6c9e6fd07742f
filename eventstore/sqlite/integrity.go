package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/integrity"
)

var _ eventstore.IntegrityVerifier = (*Store)(nil)

const fillPage = 2048

// fillHashes chains the events stored before migration 2, in position
// order, a page at a time, inside the migration's transaction.
func fillHashes(ctx context.Context, conn *sql.Conn) error {
	streams := map[string]integrity.Hash{}
	var global integrity.Hash
	after := int64(0)
	for {
		rows, err := conn.QueryContext(ctx, "SELECT "+integrityColumns+" FROM events WHERE position > ? ORDER BY position LIMIT ?", after, fillPage)
		if err != nil {
			return fmt.Errorf("read events to hash: %w", err)
		}
		var page []integrity.Row
		for rows.Next() {
			r, err := scanIntegrityRow(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("read events to hash: %w", err)
			}
			page = append(page, r)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("read events to hash: %w", err)
		}
		for _, r := range page {
			h := integrity.Link(streams[r.Stream], r.Revision, integrity.Digest(r.Event))
			global = integrity.Global(global, r.Position, h)
			streams[r.Stream] = h
			if _, err := conn.ExecContext(ctx, "UPDATE events SET hash = ?, global_hash = ? WHERE position = ?", h[:], global[:], int64(r.Position)); err != nil {
				return fmt.Errorf("store hashes of position %d: %w", r.Position, err)
			}
		}
		if len(page) < fillPage {
			return nil
		}
		after = int64(page[len(page)-1].Position)
	}
}

const integrityColumns = "position, stream_id, stream_revision, event_id, type, schema_version, data, metadata, recorded_at, hash, global_hash"

func scanIntegrityRow(rows *sql.Rows) (integrity.Row, error) {
	var (
		r            integrity.Row
		pos, rev, at int64
		data, md     string
	)
	if err := rows.Scan(&pos, &r.Stream, &rev, &r.ID, &r.Type, &r.SchemaVersion, &data, &md, &at, &r.Hash, &r.Global); err != nil {
		return r, err
	}
	r.Position, r.Revision, r.RecordedAt = uint64(pos), uint64(rev), at
	r.Data, r.Metadata = []byte(data), []byte(md)
	return r, nil
}

// VerifyIntegrity implements eventstore.IntegrityVerifier: it walks the
// whole file in one read snapshot, checking every event's hashes and every
// checkpoint.
func (s *Store) VerifyIntegrity(ctx context.Context, progress func(done, head eventstore.Position)) ([]eventstore.IntegrityProblem, error) {
	if s.closed.Load() {
		return nil, eventstore.ErrClosed
	}
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, s.readErr("verify", err)
	}
	defer func() { _ = tx.Rollback() }()
	var head int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(position), 0) FROM events").Scan(&head); err != nil {
		return nil, s.readErr("verify: head", err)
	}
	checkpoints, err := readCheckpoints(ctx, tx)
	if err != nil {
		return nil, s.readErr("verify: checkpoints", err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+integrityColumns+" FROM events ORDER BY position")
	if err != nil {
		return nil, s.readErr("verify", err)
	}
	defer rows.Close()
	problems, err := integrity.Verify(ctx, s.key, checkpoints, eventstore.Position(head), progress, func() (integrity.Row, bool, error) {
		if !rows.Next() {
			return integrity.Row{}, false, rows.Err()
		}
		r, err := scanIntegrityRow(rows)
		return r, err == nil, err
	})
	if err != nil {
		return nil, s.readErr("verify", err)
	}
	return problems, nil
}

func readCheckpoints(ctx context.Context, tx *sql.Tx) ([]integrity.Checkpoint, error) {
	rows, err := tx.QueryContext(ctx, "SELECT position, global_hash, signature FROM checkpoints ORDER BY position")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []integrity.Checkpoint
	for rows.Next() {
		var (
			c   integrity.Checkpoint
			pos int64
		)
		if err := rows.Scan(&pos, &c.Global, &c.Signature); err != nil {
			return nil, err
		}
		c.Position = uint64(pos)
		out = append(out, c)
	}
	return out, rows.Err()
}

// checkpointHead signs the head on a clean close, unless it is signed
// already (or the store is empty).
func (w *writer) checkpointHead(ctx context.Context, key []byte) error {
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	pos, global, err := w.readHead(ctx)
	if err == nil && pos > 0 {
		err = w.storeCheckpoint(ctx, key, pos, global)
	}
	if err != nil {
		_, _ = w.conn.ExecContext(ctx, "ROLLBACK")
		return err
	}
	_, err = w.conn.ExecContext(ctx, "COMMIT")
	return err
}

func (w *writer) storeCheckpoint(ctx context.Context, key []byte, pos int64, global integrity.Hash) error {
	sig := integrity.Sign(key, uint64(pos), global)
	_, err := w.checkpoint.ExecContext(ctx, pos, global[:], sig, time.Now().Unix())
	return err
}
