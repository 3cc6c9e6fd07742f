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

// scanIntegrityRow reads one row of integrityColumns, and into more the
// columns after them.
func scanIntegrityRow(rows *sql.Rows, more ...any) (integrity.Row, error) {
	var (
		r            integrity.Row
		pos, rev, at int64
		data, md     string
	)
	if err := rows.Scan(append([]any{&pos, &r.Stream, &rev, &r.ID, &r.Type, &r.SchemaVersion, &data, &md, &at, &r.Hash, &r.Global}, more...)...); err != nil {
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
	rows, err := tx.QueryContext(ctx, "SELECT COALESCE(seq, 0), position, global_hash, signature, previous FROM checkpoints ORDER BY position")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []integrity.Checkpoint
	for rows.Next() {
		var (
			c        integrity.Checkpoint
			seq, pos int64
		)
		if err := rows.Scan(&seq, &pos, &c.Global, &c.Signature, &c.Previous); err != nil {
			return nil, err
		}
		c.Seq, c.Position = uint64(seq), uint64(pos)
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
		err = w.signCheckpoint(ctx, key, pos, tip{position: pos, global: global})
	}
	if err != nil {
		_, _ = w.conn.ExecContext(ctx, "ROLLBACK")
		return err
	}
	_, err = w.conn.ExecContext(ctx, "COMMIT")
	return err
}

// signCheckpoint signs a checkpoint at the tip, chained to the newest one,
// under the write lock, once the stored events after the newest one up to
// checked verify (the events after checked are the caller's own, chained
// in this transaction). When they do not, it logs and signs nothing: the
// appends go on, and souq verify names what was changed.
func (w *writer) signCheckpoint(ctx context.Context, key []byte, checked int64, t tip) error {
	last, err := w.readLastCheckpoint(ctx)
	if err != nil {
		return err
	}
	var after int64
	if last != nil {
		after = int64(last.Position)
	}
	if after >= t.position {
		return nil // signed already
	}
	if after == w.refusedAfter {
		w.log.Error("sqlite: not signing a checkpoint: the events after the last checkpoint failed verification", "checkpoint", after, "head", t.position)
		return nil
	}
	verdict, err := w.checkSince(ctx, key, last, checked)
	if err != nil {
		return err
	}
	if verdict.Problem != "" {
		w.refusedAfter = after
		w.log.Error("sqlite: not signing a checkpoint: the events after the last checkpoint do not verify; run souq verify", "checkpoint", after, "head", t.position, "problem", verdict.Problem)
		if verdict.Rewritten {
			return w.signWritten(ctx, key, last)
		}
		return nil
	}
	return w.sign(ctx, key, last, integrity.Mark{Position: uint64(t.position), Global: t.global})
}

// checkWritten compares the head, read under the write lock, with what this
// writer committed last: when the head is its last event and its global
// hash changed, the log was rewritten with its hashes since, consistently
// (anything less fails the check before signing). What the writer wrote is
// then signed, so verification finds the log contradicting a checkpoint.
func (w *writer) checkWritten(ctx context.Context, t tip) error {
	if w.checkpoints.Key == nil || w.wrote.Position != uint64(t.position) || w.wrote.Global == t.global {
		return nil
	}
	w.log.Error("sqlite: the last event this writer wrote has another global hash now: the log was rewritten with its hashes; signing what was written; run souq verify", "position", t.position)
	last, err := w.readLastCheckpoint(ctx)
	if err != nil {
		return err
	}
	return w.signWritten(ctx, w.checkpoints.Key, last)
}

// signWritten signs the writer's own last event as it wrote it, as
// evidence against a rewrite, and signs nothing after it.
func (w *writer) signWritten(ctx context.Context, key []byte, last *integrity.Checkpoint) error {
	if last != nil && last.Position >= w.wrote.Position {
		return nil // a checkpoint at or past it exists: it is what verify checks
	}
	w.refusedAfter = int64(w.wrote.Position)
	return w.sign(ctx, key, last, w.wrote)
}

func (w *writer) sign(ctx context.Context, key []byte, last *integrity.Checkpoint, at integrity.Mark) error {
	c := integrity.Next(key, last, at.Position, at.Global)
	_, err := w.checkpoint.ExecContext(ctx, int64(c.Seq), int64(c.Position), c.Global, c.Signature, c.Previous, time.Now().Unix())
	return err
}

func (w *writer) readLastCheckpoint(ctx context.Context) (*integrity.Checkpoint, error) {
	var (
		c        integrity.Checkpoint
		seq, pos int64
	)
	switch err := w.lastCheckpoint.QueryRowContext(ctx).Scan(&seq, &pos, &c.Global, &c.Signature, &c.Previous); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read the last checkpoint: %w", err)
	}
	c.Seq, c.Position = uint64(seq), uint64(pos)
	return &c, nil
}

const sinceColumns = "e.position, e.stream_id, e.stream_revision, e.event_id, e.type, e.schema_version, e.data, e.metadata, e.recorded_at, e.hash, e.global_hash, p.hash"

// checkSince checks the events after the checkpoint last up to position to.
func (w *writer) checkSince(ctx context.Context, key []byte, last *integrity.Checkpoint, to int64) (integrity.Verdict, error) {
	from := int64(0)
	if last != nil {
		from = int64(last.Position)
	}
	rows, err := w.since.QueryContext(ctx, from, to)
	if err != nil {
		return integrity.Verdict{}, fmt.Errorf("read the events since the last checkpoint: %w", err)
	}
	defer rows.Close()
	verdict, err := integrity.Since{Key: key, Last: last, Wrote: w.wrote}.Check(uint64(to), func() (integrity.SinceRow, bool, error) {
		if !rows.Next() {
			return integrity.SinceRow{}, false, rows.Err()
		}
		var r integrity.SinceRow
		r.Row, err = scanIntegrityRow(rows, &r.PreviousHash)
		return r, err == nil, err
	})
	if err != nil {
		return integrity.Verdict{}, fmt.Errorf("check the events since the last checkpoint: %w", err)
	}
	return verdict, nil
}
