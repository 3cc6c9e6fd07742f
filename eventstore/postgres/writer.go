package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/integrity"
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

func (r *request) addIDs(ids map[string]bool) {
	for _, e := range r.events {
		ids[e.ID] = true
	}
}

func (r *request) sharesIDs(ids map[string]bool) bool {
	for _, e := range r.events {
		if ids[e.ID] {
			return true
		}
	}
	return false
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
	head, readAll, readForwards, readBackwards, streamExists     string
	appendBatch, createSeq, nextPositions                        string
	verify, checkpoints, lastCheckpoint, since, insertCheckpoint string
}

func newStatements(q string) statements {
	const cols = `position, stream_id, stream_revision, event_id::text, type, schema_version, data, metadata`
	return statements{
		head:          `SELECT position FROM ` + q + `.es_head`,
		readAll:       `SELECT ` + cols + ` FROM ` + q + `.events WHERE position > $1 ORDER BY position LIMIT $2`,
		readForwards:  `SELECT ` + cols + ` FROM ` + q + `.events WHERE stream_id = $1 AND stream_revision >= $2 ORDER BY stream_revision LIMIT $3`,
		readBackwards: `SELECT ` + cols + ` FROM ` + q + `.events WHERE stream_id = $1 AND stream_revision <= $2 ORDER BY stream_revision DESC LIMIT $3`,
		streamExists:  `SELECT EXISTS (SELECT 1 FROM ` + q + `.streams WHERE stream_id = $1)`,

		appendBatch: `SELECT * FROM ` + q + `.append_batch($1, $2, $3, $4, $5, $6, $7, $8, $9::text[]::uuid[], $10, $11, $12::text[]::json[], $13::text[]::json[], $14, $15)`,

		verify:         `SELECT ` + integrityColumns + ` FROM ` + q + `.events ORDER BY position`,
		checkpoints:    `SELECT ` + checkpointColumns + ` FROM ` + q + `.checkpoints ORDER BY position`,
		lastCheckpoint: `SELECT ` + checkpointColumns + ` FROM ` + q + `.checkpoints ORDER BY position DESC LIMIT 1`,
		// The events after a checkpoint, each with the hash it chains to in its stream.
		since: `SELECT ` + sinceColumns + ` FROM ` + q + `.events e LEFT JOIN ` + q + `.events p
			ON p.stream_id = e.stream_id AND p.stream_revision = e.stream_revision - 1
			WHERE e.position > $1 AND e.position <= $2 ORDER BY e.position`,
		insertCheckpoint: `INSERT INTO ` + q + `.checkpoints (seq, position, global_hash, signature, previous) VALUES ($1, $2, $3, $4, $5)`,

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
	var deferred []*request // taken, but left for the next batch
	for {
		pending := deferred
		deferred = nil
		if len(pending) == 0 {
			select {
			case <-s.quit:
				return
			case r := <-s.reqs:
				pending = []*request{r}
			}
		}
		var batch []*request
		size, ids, full := 0, map[string]bool{}, false
		take := func(r *request) {
			switch {
			case full || len(batch) > 0 && size+r.size() > maxBatchBytes:
				full = true
				deferred = append(deferred, r)
			case r.sharesIDs(ids):
				// A retry of an append in this batch waits for the next
				// one, where it meets the stored events (append_batch
				// needs distinct IDs); the appends behind it still go now.
				deferred = append(deferred, r)
			default:
				r.addIDs(ids)
				batch, size = append(batch, r), size+r.size()
			}
		}
		for _, r := range pending {
			take(r)
		}
	drain:
		for !full && len(batch)+len(deferred) < s.opts.MaxBatch {
			select {
			case r := <-s.reqs:
				take(r)
			default:
				break drain
			}
		}
		s.commit(batch)
	}
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

func (s *Store) commitLive(batch []*request) error {
	ctx := s.ctx
	in, err := newBatchArgs(batch, !s.opts.noIntegrity)
	if err != nil {
		return err
	}
	if s.opts.noCure {
		// Positions from a plain sequence, one per event, taken before the
		// batch (only the test that proves the cure matters comes here).
		r, err := s.pool.Query(ctx, s.sql.nextPositions, len(in.id))
		if err != nil {
			return err
		}
		if in.seq, err = pgx.CollectRows(r, pgx.RowTo[int64]); err != nil {
			return err
		}
	}
	args := []any{s.channel, in.seq, in.streams, in.sidx, in.kind, in.rev, in.n, in.req, in.id, in.typ, in.version, in.data, in.md, in.at, in.digest}

	var out outcomes
	if hook := s.opts.beforeCommit; hook != nil {
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, s.sql.appendBatch, args...)
			if err != nil {
				return err
			}
			if err := out.scan(rows); err != nil {
				return err
			}
			if out.wrote() {
				hook(eventstore.Position(out.first), eventstore.Position(out.last))
			}
			return nil
		})
	} else {
		// One statement in autocommit, so a batch costs one round trip like
		// a bare INSERT: append_batch is its own transaction, committed
		// before the server says the statement is done, and the answers are
		// handed out only after that (ForEachRow in scan waits for it). The
		// pool's sessions pin READ COMMITTED (see Open) and append_batch
		// pins synchronous_commit=on.
		var rows pgx.Rows
		if rows, err = s.pool.Query(ctx, s.sql.appendBatch, args...); err == nil {
			err = out.scan(rows)
		}
	}
	if err != nil {
		return err
	}
	out.answer(batch)
	if out.wrote() {
		s.signal.Notify()
		s.wrote.Store(true)
		s.signCheckpoint(ctx, out.first, out.last)
	}
	return nil
}

// batchArgs are a batch's requests as the arrays append_batch takes.
type batchArgs struct {
	seq               []int64  // nil: positions after the counter
	streams           []string // distinct, in first-seen order
	sidx, n           []int32  // per request: its stream (1-based index into streams), its events
	kind              []int16
	rev               []int64
	req               []int32 // per event: its request (1-based)
	id, typ, data, md []string
	version           []int32
	at                []time.Time
	digest            [][]byte // per event: integrity.Digest; nil when hashing is off
}

// Expected revision kinds, as append_batch knows them.
const (
	kindAny int16 = iota
	kindNoStream
	kindStreamExists
	kindExact
)

func newBatchArgs(batch []*request, hashing bool) (batchArgs, error) {
	total := 0
	for _, r := range batch {
		total += len(r.events)
	}
	a := batchArgs{
		sidx: make([]int32, 0, len(batch)), kind: make([]int16, 0, len(batch)),
		rev: make([]int64, 0, len(batch)), n: make([]int32, 0, len(batch)),
		req: make([]int32, 0, total), id: make([]string, 0, total), typ: make([]string, 0, total),
		data: make([]string, 0, total), md: make([]string, 0, total), version: make([]int32, 0, total),
		at: make([]time.Time, 0, total),
	}
	if hashing {
		a.digest = make([][]byte, 0, total)
	}
	index := make(map[string]int32, len(batch))
	now := time.Now().UTC().Truncate(time.Microsecond)
	for i, r := range batch {
		kind, rev := kindAny, int64(0)
		switch x, exact := r.expected.Revision(); {
		case exact:
			kind, rev = kindExact, int64(x)
			if x > math.MaxInt64 {
				rev = -2 // a revision no stream has (-1 stands for none)
			}
		case r.expected.IsNoStream():
			kind = kindNoStream
		case r.expected.IsStreamExists():
			kind = kindStreamExists
		}
		si, ok := index[r.stream]
		if !ok {
			a.streams = append(a.streams, r.stream)
			si = int32(len(a.streams))
			index[r.stream] = si
		}
		a.sidx, a.kind, a.rev, a.n = append(a.sidx, si), append(a.kind, kind), append(a.rev, rev), append(a.n, int32(len(r.events)))
		for _, e := range r.events {
			md := e.Metadata
			if md.RecordedAt.IsZero() {
				md.RecordedAt = now
			}
			// The column keeps microseconds: truncated here, not rounded
			// by the server, so the digest covers what is stored.
			at := md.RecordedAt.Truncate(time.Microsecond)
			mdJSON, err := json.Marshal(md)
			if err != nil {
				return batchArgs{}, fmt.Errorf("metadata of %s: %w", e.ID, err)
			}
			a.req, a.id, a.typ, a.version = append(a.req, int32(i+1)), append(a.id, e.ID), append(a.typ, e.Type), append(a.version, int32(e.SchemaVersion))
			a.data, a.md, a.at = append(a.data, string(e.Data)), append(a.md, string(mdJSON)), append(a.at, at)
			if hashing {
				d := integrity.Digest(integrity.Event{Stream: r.stream, ID: e.ID, Type: e.Type, SchemaVersion: e.SchemaVersion,
					Data: e.Data, Metadata: mdJSON, RecordedAt: at.UnixMicro()})
				a.digest = append(a.digest, d.Bytes())
			}
		}
	}
	return a, nil
}

// outcomes are what append_batch answered, by request index (0-based).
type outcomes struct {
	written     map[int]eventstore.AppendResult
	conflicts   map[int]conflict
	known       map[int][]eventstore.RecordedEvent
	first, last int64 // positions written by the batch; 0 when none
}

type conflict struct {
	revision int64
	exists   bool
}

func (o *outcomes) wrote() bool { return o.last != 0 }

func (o *outcomes) scan(rows pgx.Rows) error {
	o.written = map[int]eventstore.AppendResult{}
	o.conflicts = map[int]conflict{}
	o.known = map[int][]eventstore.RecordedEvent{}
	var (
		req             int32
		kind            byte
		first, pos, rev *int64
		stream, id, typ *string
	)
	_, err := pgx.ForEachRow(rows, []any{&req, &kind, &first, &pos, &rev, &stream, &id, &typ}, func() error {
		i := int(req) - 1
		switch kind {
		case 'w':
			o.written[i] = eventstore.AppendResult{NextRevision: uint64(*rev), Position: eventstore.Position(*pos)}
			if o.first == 0 {
				o.first = *first
			}
			o.last = *pos
		case 'c':
			c := conflict{exists: rev != nil}
			if rev != nil {
				c.revision = *rev
			}
			o.conflicts[i] = c
		case 'k':
			o.known[i] = append(o.known[i], eventstore.RecordedEvent{
				ID: *id, StreamID: *stream, StreamRevision: uint64(*rev), Position: eventstore.Position(*pos), Type: *typ,
			})
		default:
			return fmt.Errorf("append_batch: unknown outcome %q for request %d", kind, req)
		}
		return nil
	})
	return err
}

// answer hands each request its outcome. The decisions were all made by
// append_batch; a request it answered with stored events is a retry or an
// ID reuse, which eventstore.MatchRetry tells apart as every backend does.
func (o *outcomes) answer(batch []*request) {
	for i, r := range batch {
		if res, ok := o.written[i]; ok {
			r.result = res
		} else if c, ok := o.conflicts[i]; ok {
			r.err = &eventstore.ConflictError{Stream: r.stream, Expected: r.expected, Actual: uint64(c.revision), StreamExists: c.exists}
		} else if found, ok := o.known[i]; ok {
			r.result, r.err = eventstore.MatchRetry(r.stream, r.events, found)
		} else {
			r.err = fmt.Errorf("eventstore/postgres: append_batch gave no outcome for request %d", i+1)
		}
	}
}

// signCheckpoint queues a checkpoint at last when the batch that wrote
// first..last crossed a CheckpointEvery, for the signer beside the writer:
// checking the events since the newest checkpoint takes a read of up to
// CheckpointEvery events, which the next batch need not wait for. The
// signer signs the queued positions in order, one at a time; past
// maxQueuedCheckpoints the oldest are dropped (the next one covers their
// events). The batch stands whatever happens to its checkpoint.
func (s *Store) signCheckpoint(ctx context.Context, first, last int64) {
	cp := integrity.Checkpointer{Key: s.opts.IntegrityKey, Every: uint64(s.opts.CheckpointEvery)}
	if cp.Key == nil || s.opts.noIntegrity || !cp.Due(uint64(first-1), uint64(last)) {
		return
	}
	s.queueMu.Lock()
	defer s.queueMu.Unlock()
	if len(s.queued) == maxQueuedCheckpoints {
		s.queued = s.queued[1:]
	}
	s.queued = append(s.queued, last)
	if s.signing {
		return // the signer takes it after the one it is on
	}
	s.signing = true
	s.signers.Add(1)
	go func() {
		defer s.signers.Done()
		for {
			s.queueMu.Lock()
			if len(s.queued) == 0 {
				s.signing = false
				s.queueMu.Unlock()
				return
			}
			at := s.queued[0]
			s.queued = s.queued[1:]
			s.queueMu.Unlock()
			if err := s.checkpoint(ctx, at, at, true); err != nil {
				s.opts.Logger.Error("eventstore/postgres: sign checkpoint", "position", at, "err", err)
			}
		}
	}()
}

// maxQueuedCheckpoints bounds the checkpoints waiting for the signer when
// appends outrun it.
const maxQueuedCheckpoints = 16
