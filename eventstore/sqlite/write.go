package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/integrity"
)

// request is one Append on its way to the writer goroutine. Its rows are
// encoded by the caller's goroutine, so the single writer spends its time on
// SQL only and never reads memory the caller may reuse.
type request struct {
	ctx      context.Context
	stream   string
	expected eventstore.ExpectedRevision
	events   []eventstore.EventData // ID and Type only, for MatchRetry
	rows     []row
	ids      string // JSON array of the event IDs
	bytes    int    // data and metadata of all rows, for the batch cap
	done     chan response
}

// maxBatchBytes caps one group commit, as the PostgreSQL store does: a
// queue of large appends is committed in several transactions instead of
// one that holds gigabytes in memory and in the WAL.
const maxBatchBytes = 32 << 20

type row struct {
	data, metadata string
	schemaVersion  int
	recordedAt     int64          // unix microseconds
	digest         integrity.Hash // of the content, hashed here, outside the writer
}

type response struct {
	res eventstore.AppendResult
	err error
}

// Append validates the append, hands it to the writer goroutine and waits
// for the group commit that contains it. When ctx ends while the append is
// queued or being committed, Append returns ctx.Err() and the append may or
// may not be stored: retrying it with the same event IDs is safe.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData) (eventstore.AppendResult, error) {
	if err := s.opts.Limits.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	req, err := s.newRequest(ctx, stream, expected, events)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	s.mu.RLock()
	if s.closed.Load() {
		s.mu.RUnlock()
		return eventstore.AppendResult{}, eventstore.ErrClosed
	}
	select {
	case s.reqs <- req:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return eventstore.AppendResult{}, ctx.Err()
	}
	select {
	case r := <-req.done:
		return r.res, r.err
	case <-ctx.Done():
		return eventstore.AppendResult{}, ctx.Err()
	}
}

func (s *Store) newRequest(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData) (*request, error) {
	req := &request{
		ctx: ctx, stream: stream, expected: expected,
		events: make([]eventstore.EventData, len(events)),
		rows:   make([]row, len(events)),
		done:   make(chan response, 1),
	}
	now := s.opts.Now().UTC().Truncate(time.Microsecond)
	ids := make([]string, len(events))
	var problems []string
	for i, e := range events {
		md := e.Metadata
		if md.RecordedAt.IsZero() {
			md.RecordedAt = now
		}
		mdJSON, err := json.Marshal(md)
		if err != nil {
			problems = append(problems, fmt.Sprintf("event %d: metadata: %v", i, err))
			continue
		}
		req.events[i] = eventstore.EventData{ID: e.ID, Type: e.Type}
		req.rows[i] = row{data: string(e.Data), metadata: string(mdJSON), schemaVersion: e.SchemaVersion, recordedAt: md.RecordedAt.UnixMicro()}
		if !s.opts.noIntegrity {
			req.rows[i].digest = integrity.Digest(integrity.Event{Stream: stream, ID: e.ID, Type: e.Type, SchemaVersion: e.SchemaVersion,
				Data: e.Data, Metadata: mdJSON, RecordedAt: req.rows[i].recordedAt})
		}
		req.bytes += len(e.Data) + len(mdJSON)
		ids[i] = e.ID
	}
	if len(problems) > 0 {
		return nil, &eventstore.InvalidError{Stream: stream, Problems: problems}
	}
	idsJSON, _ := json.Marshal(ids) // strings always marshal
	req.ids = string(idsJSON)
	return req, nil
}

// run is the writer goroutine: it takes every request waiting (up to
// MaxBatch) and commits them in one transaction, so concurrent appends share
// one fsync. It returns when Close has closed reqs and the queue is empty.
func (s *Store) run() {
	defer close(s.done)
	batch := make([]*request, 0, s.opts.MaxBatch)
	var carried *request // taken from the queue but over the last batch's byte cap
	for {
		req := carried
		carried = nil
		if req == nil {
			var ok bool
			if req, ok = <-s.reqs; !ok {
				return
			}
		}
		batch = append(batch[:0], req)
		size := req.bytes
	fill:
		for len(batch) < s.opts.MaxBatch && size < maxBatchBytes {
			select {
			case req, ok := <-s.reqs:
				if !ok {
					break fill // closed: commit this batch, then the receive above ends the loop
				}
				if size+req.bytes > maxBatchBytes {
					carried = req // first in the next batch
					break fill
				}
				batch = append(batch, req)
				size += req.bytes
			default:
				break fill
			}
		}
		s.commit(batch)
		clear(batch) // let callers' requests be collected
	}
}

// commit writes a batch in one transaction; each request succeeds or fails
// on its own. A request whose statements fail for a reason of the storage
// (not a conflict or a retry, which are answers) aborts the transaction; it
// gets the error and the rest of the batch is tried again without it. When
// BEGIN or COMMIT fails, every request gets the error and nothing is written.
func (s *Store) commit(batch []*request) {
	batch = slices.Clone(batch) // the caller's slice stays as it was
	for len(batch) > 0 {
		live := batch[:0]
		for _, r := range batch {
			if err := r.ctx.Err(); err != nil {
				r.done <- response{err: err} // its caller gave up before anything was written
				continue
			}
			live = append(live, r)
		}
		batch = live
		if len(batch) == 0 {
			return
		}
		answers, culprit, err := s.w.tryBatch(batch)
		switch {
		case culprit >= 0:
			s.log.Error("sqlite: append failed, retrying the rest of its batch", "stream", batch[culprit].stream, "err", err)
			batch[culprit].done <- response{err: err}
			batch = append(batch[:culprit], batch[culprit+1:]...)
			continue
		case err != nil:
			s.log.Error("sqlite: group commit failed", "appends", len(batch), "err", err)
			for _, r := range batch {
				r.done <- response{err: err}
			}
			return
		}
		s.txs.Add(1)
		for i, r := range batch {
			r.done <- answers[i]
		}
		s.signal.Notify()
		return
	}
}

// writer holds the write connection and its prepared statements. Only the
// writer goroutine (and Open, before it starts) uses it.
type writer struct {
	conn                                     *sql.Conn
	head, revision, existing, insert, upsert *sql.Stmt
	streamHash, checkpoint                   *sql.Stmt
	lastCheckpoint, since                    *sql.Stmt

	checkpoints integrity.Checkpointer
	hashing     bool // false only in benchmarks of the cost of hashing
	log         *slog.Logger

	wrote integrity.Mark // the last event this writer committed
	// refusedAfter is the position of the checkpoint after which the
	// events failed the check before signing (-1: none), so the writer
	// does not walk them again at every interval: it signs nothing more
	// until a newer checkpoint exists (an operator's decision).
	refusedAfter int64
}

func newWriter(ctx context.Context, conn *sql.Conn, checkpoints integrity.Checkpointer, hashing bool, log *slog.Logger) (*writer, error) {
	w := &writer{conn: conn, checkpoints: checkpoints, hashing: hashing, log: log, refusedAfter: -1}
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&w.head, "SELECT position, global_hash FROM events ORDER BY position DESC LIMIT 1"},
		{&w.revision, "SELECT revision FROM streams WHERE stream_id = ?"},
		{&w.existing, "SELECT position, stream_id, stream_revision, event_id, type FROM events WHERE event_id IN (SELECT value FROM json_each(?))"},
		{&w.insert, "INSERT INTO events (position, stream_id, stream_revision, event_id, type, schema_version, data, metadata, recorded_at, hash, global_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
		{&w.upsert, "INSERT INTO streams (stream_id, revision) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision"},
		// The revision and, in the same statement, the hash to chain to.
		{&w.streamHash, "SELECT s.revision, e.hash FROM streams s LEFT JOIN events e ON e.stream_id = s.stream_id AND e.stream_revision = s.revision WHERE s.stream_id = ?"},
		{&w.checkpoint, "INSERT INTO checkpoints (seq, position, global_hash, signature, previous, created_at) VALUES (?, ?, ?, ?, ?, ?)"},
		{&w.lastCheckpoint, "SELECT COALESCE(seq, 0), position, global_hash, signature, previous FROM checkpoints ORDER BY position DESC LIMIT 1"},
		// The events after a checkpoint, each with the hash it chains to in its stream.
		{&w.since, "SELECT " + sinceColumns + " FROM events e LEFT JOIN events p ON p.stream_id = e.stream_id AND p.stream_revision = e.stream_revision - 1 WHERE e.position > ? AND e.position <= ? ORDER BY e.position"},
	} {
		stmt, err := conn.PrepareContext(ctx, p.query)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("prepare %q: %w", p.query, err)
		}
		*p.dst = stmt
	}
	return w, nil
}

func (w *writer) close() {
	for _, s := range []*sql.Stmt{w.head, w.revision, w.existing, w.insert, w.upsert, w.streamHash, w.checkpoint, w.lastCheckpoint, w.since} {
		if s != nil {
			_ = s.Close()
		}
	}
}

// tryBatch runs one transaction. It returns one answer per request, or the
// index of the request whose statements failed (-1 when the failure is the
// transaction's own), with the error; on error nothing is committed.
func (w *writer) tryBatch(batch []*request) (answers []response, culprit int, err error) {
	// The writer's work must not depend on any one caller's context.
	ctx := context.Background()
	// IMMEDIATE takes the write lock now, so MAX(position) and the stream
	// revisions read below cannot change under us, even from another process.
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return nil, -1, fmt.Errorf("sqlite: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_, _ = w.conn.ExecContext(ctx, "ROLLBACK")
		}
	}()
	t := tip{}
	if t.position, t.global, err = w.readHead(ctx); err != nil {
		return nil, -1, fmt.Errorf("sqlite: read head: %w", err)
	}
	if err := w.checkWritten(ctx, t); err != nil {
		return nil, -1, fmt.Errorf("sqlite: compare the head with what was written: %w", err)
	}
	start := t.position
	answers = make([]response, len(batch))
	for i, r := range batch {
		// Earlier requests of this batch are visible to these reads, so
		// requests in one batch behave exactly like sequential appends
		// (and chain to each other's hashes).
		answers[i], err = w.apply(ctx, r, &t)
		if err != nil {
			return nil, i, err
		}
	}
	if w.checkpoints.Due(uint64(start), uint64(t.position)) {
		// This batch chained its events itself to the stored head at
		// start: the events up to there are the ones to check.
		if err := w.signCheckpoint(ctx, w.checkpoints.Key, start, t); err != nil {
			return nil, -1, fmt.Errorf("sqlite: store checkpoint: %w", err)
		}
	}
	if _, err := w.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, -1, fmt.Errorf("sqlite: commit: %w", err)
	}
	if w.hashing && t.position > start {
		w.wrote = integrity.Mark{Position: uint64(t.position), Global: t.global}
	}
	return answers, -1, nil
}

// tip is the last event of the log as the batch moves it.
type tip struct {
	position int64
	global   integrity.Hash
}

// readHead reads the last position and its global hash, under the write
// lock (0 and the zero hash when the log is empty).
func (w *writer) readHead(ctx context.Context) (int64, integrity.Hash, error) {
	var (
		pos    int64
		stored []byte
	)
	switch err := w.head.QueryRowContext(ctx).Scan(&pos, &stored); {
	case errors.Is(err, sql.ErrNoRows):
		return 0, integrity.Hash{}, nil
	case err != nil:
		return 0, integrity.Hash{}, err
	}
	global, _ := integrity.FromBytes(stored) // a damaged one is verify's to report
	return pos, global, nil
}

// apply runs one request inside the batch's transaction. Conflicts and
// retries are answers; only a failing statement is an error.
func (w *writer) apply(ctx context.Context, r *request, t *tip) (response, error) {
	existing, err := w.existingEvents(ctx, r.ids)
	if err != nil {
		return response{}, err
	}
	if len(existing) > 0 {
		res, err := eventstore.MatchRetry(r.stream, r.events, existing)
		return response{res: res, err: err}, nil
	}

	var (
		current int64
		stored  []byte // the hash of the stream's last event
	)
	exists := true
	if w.hashing {
		err = w.streamHash.QueryRowContext(ctx, r.stream).Scan(&current, &stored)
	} else {
		err = w.revision.QueryRowContext(ctx, r.stream).Scan(&current)
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		exists = false
	case err != nil:
		return response{}, fmt.Errorf("sqlite: read revision of %q: %w", r.stream, err)
	}
	if err := r.expected.Check(r.stream, uint64(current), exists); err != nil {
		return response{err: err}, nil
	}

	next := int64(0)
	var prev integrity.Hash
	if exists {
		next = current + 1
		prev, _ = integrity.FromBytes(stored) // a damaged one is verify's to report
	}
	for i, e := range r.events {
		t.position++
		row := r.rows[i]
		var hash, global []byte // NULL when hashing is off
		if w.hashing {
			prev = integrity.Link(prev, uint64(next+int64(i)), row.digest)
			t.global = integrity.Global(t.global, uint64(t.position), prev)
			hash, global = prev[:], t.global[:]
		}
		if _, err := w.insert.ExecContext(ctx, t.position, r.stream, next+int64(i), e.ID, e.Type, row.schemaVersion, row.data, row.metadata, row.recordedAt, hash, global); err != nil {
			return response{}, fmt.Errorf("sqlite: insert event %s: %w", e.ID, err)
		}
	}
	last := next + int64(len(r.events)) - 1
	if _, err := w.upsert.ExecContext(ctx, r.stream, last); err != nil {
		return response{}, fmt.Errorf("sqlite: update stream %q: %w", r.stream, err)
	}
	return response{res: eventstore.AppendResult{NextRevision: uint64(last), Position: eventstore.Position(t.position)}}, nil
}

func (w *writer) existingEvents(ctx context.Context, ids string) ([]eventstore.RecordedEvent, error) {
	rows, err := w.existing.QueryContext(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: look up event ids: %w", err)
	}
	defer rows.Close()
	var out []eventstore.RecordedEvent
	for rows.Next() {
		var (
			e        eventstore.RecordedEvent
			pos, rev int64
		)
		if err := rows.Scan(&pos, &e.StreamID, &rev, &e.ID, &e.Type); err != nil {
			return nil, fmt.Errorf("sqlite: look up event ids: %w", err)
		}
		e.Position, e.StreamRevision = eventstore.Position(pos), uint64(rev)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: look up event ids: %w", err)
	}
	return out, nil
}
