package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/souq-market/souq/eventstore"
)

const eventColumns = "position, stream_id, stream_revision, event_id, type, schema_version, data, metadata"

// readStmts are prepared once on the read pool; database/sql re-prepares
// them on each pooled connection as needed.
type readStmts struct {
	all, forwards, backwards, exists, head *sql.Stmt
}

func (r *readStmts) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&r.all, "SELECT " + eventColumns + " FROM events WHERE position > ? ORDER BY position LIMIT ?"},
		{&r.forwards, "SELECT " + eventColumns + " FROM events WHERE stream_id = ? AND stream_revision >= ? ORDER BY stream_revision LIMIT ?"},
		{&r.backwards, "SELECT " + eventColumns + " FROM events WHERE stream_id = ? AND stream_revision <= ? ORDER BY stream_revision DESC LIMIT ?"},
		{&r.exists, "SELECT 1 FROM streams WHERE stream_id = ?"},
		{&r.head, "SELECT COALESCE(MAX(position), 0) FROM events"},
	} {
		stmt, err := db.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.query, err)
		}
		*p.dst = stmt
	}
	return nil
}

func (r *readStmts) close() {
	for _, s := range []*sql.Stmt{r.all, r.forwards, r.backwards, r.exists, r.head} {
		if s != nil {
			_ = s.Close()
		}
	}
}

// ReadAll reads up to limit events after a position in global order (all of
// them when limit <= 0). One SELECT reads one WAL snapshot, and positions are
// assigned in commit order by the single writer, so no gap is ever visible.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if s.closed.Load() {
		return nil, eventstore.ErrClosed
	}
	if after > math.MaxInt64 {
		return nil, nil
	}
	limit = eventstore.PageLimit(limit)
	rows, err := s.reads.all.QueryContext(ctx, int64(after), sqlLimit(limit))
	if err != nil {
		return nil, s.readErr("read all", err)
	}
	events, err := scanEvents(rows, limit)
	if err != nil {
		return nil, s.readErr("read all", err)
	}
	return events, nil
}

// ReadStream reads one stream forwards or backwards from a revision.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	if err := s.opts.Limits.ValidateStreamID(stream); err != nil {
		return nil, err
	}
	if s.closed.Load() {
		return nil, eventstore.ErrClosed
	}
	read := func() ([]eventstore.RecordedEvent, error) {
		if opts.Direction != eventstore.Backwards && opts.From > math.MaxInt64 {
			return nil, nil // forwards from beyond any revision: an empty range
		}
		stmt, from := s.reads.forwards, opts.From
		if opts.Direction == eventstore.Backwards {
			stmt, from = s.reads.backwards, min(from, math.MaxInt64)
		}
		rows, err := stmt.QueryContext(ctx, stream, int64(from), sqlLimit(opts.Limit))
		if err != nil {
			return nil, s.readErr("read stream", err)
		}
		events, err := scanEvents(rows, opts.Limit)
		if err != nil {
			return nil, s.readErr("read stream", err)
		}
		return events, nil
	}
	events, err := read()
	if err != nil || len(events) > 0 {
		return events, err
	}
	// Empty: a missing stream, an empty range, or a stream created since.
	// Each statement reads its own snapshot, so ask whether it exists, and if
	// it does, read again: that read's snapshot is later than the one that
	// saw the stream, so its answer, empty or not, is one of a stream that
	// exists.
	var one int
	switch err := s.reads.exists.QueryRowContext(ctx, stream).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, &eventstore.StreamNotFoundError{Stream: stream}
	case err != nil:
		return nil, s.readErr("read stream", err)
	}
	return read()
}

// sqlLimit maps "0 or less: no limit" to SQLite's LIMIT -1.
func sqlLimit(limit int) int64 {
	if limit <= 0 {
		return -1
	}
	return int64(limit)
}

func scanEvents(rows *sql.Rows, limit int) ([]eventstore.RecordedEvent, error) {
	defer rows.Close()
	var events []eventstore.RecordedEvent
	if limit > 0 {
		events = make([]eventstore.RecordedEvent, 0, min(limit, 1024))
	}
	for rows.Next() {
		var (
			e        eventstore.RecordedEvent
			pos, rev int64
			data     []byte
			md       string
		)
		if err := rows.Scan(&pos, &e.StreamID, &rev, &e.ID, &e.Type, &e.SchemaVersion, &data, &md); err != nil {
			return nil, err
		}
		e.Position, e.StreamRevision, e.Data = eventstore.Position(pos), uint64(rev), data
		if err := eventstore.DecodeMetadata(md, &e.Metadata); err != nil {
			return nil, fmt.Errorf("event %s: metadata: %w", e.ID, err)
		}
		events = append(events, e)
	}
	return events, rows.Err()
}
