package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/souq-market/souq/eventstore"
)

// maxBatchBytes bounds the payload one group-commit transaction carries, so a
// burst of large appends does not build one huge transaction.
const maxBatchBytes = 32 << 20

// request is one Append waiting for the writer.
type request struct {
	stream   string
	expected eventstore.ExpectedRevision
	events   []eventstore.EventData
	ctx      context.Context

	result eventstore.AppendResult
	err    error
	done   chan struct{}
}

func (r *request) size() int {
	n := 0
	for _, e := range r.events {
		n += len(e.Data) + 256
	}
	return n
}

// statements are the store's SQL with the schema filled in.
type statements struct {
	head, readAll, readForwards, readBackwards, streamExists string
	lockHead, streamRevs, existing                           string
	insert, upsertStreams, setHead, notify                   string
	createSeq, nextPositions                                 string
}

func newStatements(q string) statements {
	const cols = `position, stream_id, stream_revision, event_id::text, type, schema_version, data, metadata`
	return statements{
		head:          `SELECT position FROM ` + q + `.es_head`,
		readAll:       `SELECT ` + cols + ` FROM ` + q + `.events WHERE position > $1 ORDER BY position LIMIT $2`,
		readForwards:  `SELECT ` + cols + ` FROM ` + q + `.events WHERE stream_id = $1 AND stream_revision >= $2 ORDER BY stream_revision LIMIT $3`,
		readBackwards: `SELECT ` + cols + ` FROM ` + q + `.events WHERE stream_id = $1 AND stream_revision <= $2 ORDER BY stream_revision DESC LIMIT $3`,
		streamExists:  `SELECT EXISTS (SELECT 1 FROM ` + q + `.streams WHERE stream_id = $1)`,

		lockHead:   `SELECT position FROM ` + q + `.es_head FOR UPDATE`,
		streamRevs: `SELECT stream_id, revision FROM ` + q + `.streams WHERE stream_id = ANY($1::text[])`,
		existing:   `SELECT position, stream_id, stream_revision, event_id::text, type FROM ` + q + `.events WHERE event_id = ANY($1::text[]::uuid[])`,
		insert: `INSERT INTO ` + q + `.events (position, stream_id, stream_revision, event_id, type, schema_version, data, metadata, recorded_at)
SELECT p, s, r, e::uuid, t, v, d::json, m::json, a
FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::timestamptz[]) AS u(p, s, r, e, t, v, d, m, a)`,
		upsertStreams: `INSERT INTO ` + q + `.streams (stream_id, revision) SELECT * FROM unnest($1::text[], $2::bigint[])
ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision`,
		setHead: `UPDATE ` + q + `.es_head SET position = $1`,
		notify:  `SELECT pg_notify($1, $2)`,

		createSeq:     `CREATE SEQUENCE IF NOT EXISTS ` + q + `.es_position_seq`,
		nextPositions: `SELECT nextval('` + q + `.es_position_seq') FROM generate_series(1, $1)`,
	}
}

// channelName is the NOTIFY channel of a schema: hashed, because channel
// names are identifiers of at most 63 bytes.
func channelName(schema string) string {
	h := fnv.New64a()
	h.Write([]byte(schema))
	return "souq_es_" + strconv.FormatUint(h.Sum64(), 16)
}

// write is the single writer: it takes the appends waiting, commits them in
// one transaction, and answers each.
func (s *Store) write() {
	defer s.writer.Done()
	var carry *request
	for {
		first := carry
		carry = nil
		if first == nil {
			select {
			case <-s.quit:
				return
			case first = <-s.reqs:
			}
		}
		batch, size := []*request{first}, first.size()
	drain:
		for len(batch) < s.opts.MaxBatch {
			select {
			case r := <-s.reqs:
				if size+r.size() > maxBatchBytes {
					carry = r
					break drain
				}
				batch, size = append(batch, r), size+r.size()
			default:
				break drain
			}
		}
		s.commit(batch)
	}
}

// rows are the events to insert to insert, column by column.
type rows struct {
	pos, rev                  []int64
	stream, id, typ, data, md []string
	version                   []int32
	at                        []time.Time
}

// commit runs one group-commit transaction for a batch of appends.
func (s *Store) commit(batch []*request) {
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err // the caller has gone; write nothing for it
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	if err := s.commitLive(live); err != nil {
		err = fmt.Errorf("eventstore/postgres: append: %w", err)
		// Decisions may lean on rows of this very batch (a retry of an
		// append made earlier in it, a revision it moved), so none stands.
		for _, r := range live {
			r.result, r.err = eventstore.AppendResult{}, err
		}
	}
}

func (s *Store) commitLive(batch []*request) (err error) {
	// The transaction is driven by hand on one connection so that BEGIN
	// rides with the first round trip and COMMIT with the second: with the
	// counter lock held from the first to the end, every round trip saved
	// is lock time saved.
	ctx := s.ctx
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	inTx := false
	defer func() {
		if err != nil && inTx {
			rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, rerr := conn.Exec(rctx, "ROLLBACK"); rerr != nil {
				_ = conn.Conn().Close(rctx) // never hand a connection in an unknown state back to the pool
			}
		}
	}()

	var ids, streams []string
	seenStream := map[string]bool{}
	total := 0
	for _, r := range batch {
		for _, e := range r.events {
			ids = append(ids, e.ID)
		}
		total += len(r.events)
		if !seenStream[r.stream] {
			seenStream[r.stream] = true
			streams = append(streams, r.stream)
		}
	}

	// Round trip 1: take the counter lock, then read the state the checks
	// need. Statements of one session run in order, so the reads see
	// everything committed before the lock was granted.
	var head int64
	revs := make(map[string]int64, len(streams))
	known := map[string]eventstore.RecordedEvent{}
	b := &pgx.Batch{}
	// Pinned here rather than trusted from the server's defaults: a role or
	// database with synchronous_commit=off would acknowledge appends a crash
	// can lose, and a stricter default isolation would fail batches that
	// the counter lock already serializes.
	b.Queue("BEGIN ISOLATION LEVEL READ COMMITTED")
	b.Queue("SET LOCAL synchronous_commit = on")
	if !s.opts.noCure {
		b.Queue(s.sql.lockHead).QueryRow(func(row pgx.Row) error { return row.Scan(&head) })
	}
	b.Queue(s.sql.streamRevs, streams).Query(func(rs pgx.Rows) error {
		var id string
		var rev int64
		_, err := pgx.ForEachRow(rs, []any{&id, &rev}, func() error { revs[id] = rev; return nil })
		return err
	})
	b.Queue(s.sql.existing, ids).Query(func(rs pgx.Rows) error {
		var e eventstore.RecordedEvent
		var pos, rev int64
		_, err := pgx.ForEachRow(rs, []any{&pos, &e.StreamID, &rev, &e.ID, &e.Type}, func() error {
			e.Position, e.StreamRevision = eventstore.Position(pos), uint64(rev)
			known[e.ID] = e
			return nil
		})
		return err
	})
	inTx = true
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return err
	}

	// Positions: after the counter (the cure), or, with the cure disabled for
	// the test that proves it matters, from a plain sequence.
	var seq []int64
	if s.opts.noCure {
		r, err := conn.Query(ctx, s.sql.nextPositions, total)
		if err != nil {
			return err
		}
		if seq, err = pgx.CollectRows(r, pgx.RowTo[int64]); err != nil {
			return err
		}
	}
	next := head
	nextPos := func() int64 {
		if seq != nil {
			next, seq = seq[0], seq[1:]
			return next
		}
		next++
		return next
	}

	// Decide each request on its own, in arrival order.
	now := time.Now().UTC().Truncate(time.Microsecond)
	var rs rows
	var first int64
	written := map[string]bool{}
	for _, r := range batch {
		var found []eventstore.RecordedEvent
		for _, e := range r.events {
			if k, ok := known[e.ID]; ok {
				found = append(found, k)
			}
		}
		if len(found) > 0 {
			r.result, r.err = eventstore.MatchRetry(r.stream, r.events, found)
			continue
		}
		cur, exists := revs[r.stream]
		if err := r.expected.Check(r.stream, uint64(cur), exists); err != nil {
			r.err = err
			continue
		}
		rev := cur
		if !exists {
			rev = -1
		}
		for _, e := range r.events {
			pos := nextPos()
			if first == 0 {
				first = pos
			}
			rev++
			md := e.Metadata
			if md.RecordedAt.IsZero() {
				md.RecordedAt = now
			}
			mdJSON, err := json.Marshal(md)
			if err != nil {
				r.err = fmt.Errorf("eventstore/postgres: metadata of %s: %w", e.ID, err)
				return err
			}
			rs.pos = append(rs.pos, pos)
			rs.rev = append(rs.rev, rev)
			rs.stream = append(rs.stream, r.stream)
			rs.id = append(rs.id, e.ID)
			rs.typ = append(rs.typ, e.Type)
			rs.version = append(rs.version, int32(e.SchemaVersion))
			rs.data = append(rs.data, string(e.Data))
			rs.md = append(rs.md, string(mdJSON))
			rs.at = append(rs.at, md.RecordedAt)
			known[e.ID] = eventstore.RecordedEvent{ID: e.ID, StreamID: r.stream, StreamRevision: uint64(rev), Position: eventstore.Position(pos), Type: e.Type}
		}
		revs[r.stream] = rev
		written[r.stream] = true
		r.result = eventstore.AppendResult{NextRevision: uint64(rev), Position: eventstore.Position(next)}
	}
	if len(rs.pos) == 0 {
		// Nothing to write: every request was a retry or a conflict.
		inTx = false
		_, err := conn.Exec(ctx, "ROLLBACK")
		return err
	}

	// Round trip 2: the rows, the streams' revisions, the counter, the wake-up.
	var upStreams []string
	var upRevs []int64
	for _, id := range streams {
		if written[id] {
			upStreams, upRevs = append(upStreams, id), append(upRevs, revs[id])
		}
	}
	b = &pgx.Batch{}
	b.Queue(s.sql.insert, rs.pos, rs.stream, rs.rev, rs.id, rs.typ, rs.version, rs.data, rs.md, rs.at)
	b.Queue(s.sql.upsertStreams, upStreams, upRevs)
	if !s.opts.noCure {
		b.Queue(s.sql.setHead, next)
	}
	b.Queue(s.sql.notify, s.channel, strconv.FormatInt(next, 10))
	hook := s.opts.beforeCommit
	if hook == nil {
		// On an error PostgreSQL skips the rest of the pipeline, so this
		// COMMIT runs only if everything before it succeeded.
		b.Queue("COMMIT")
	}
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	if hook != nil {
		hook(eventstore.Position(first), eventstore.Position(next))
		if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
			return err
		}
	}
	inTx = false
	s.signal.Notify()
	return nil
}
