package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/souq-market/souq/eventstore"
)

// Options tune a Store; the zero value is usable.
type Options struct {
	// Schema holds the store's tables; default "public".
	Schema string
	// Limits bound what one append may carry; zero means eventstore.DefaultLimits.
	Limits eventstore.Limits
	// MaxBatch is how many appends the writer commits together at most;
	// default 256.
	MaxBatch int
	// Poll is how often subscribers re-read without a wake-up; default 1s.
	Poll time.Duration
	// ReadBatch is how many events a subscriber reads at a time; default 512.
	ReadBatch int
	// MaxConns sizes the connection pool; default pgxpool's (max(4, CPUs)).
	MaxConns int32
	// Logger receives the listener's reconnects; default slog.Default().
	Logger *slog.Logger
	// IntegrityKey signs the checkpoints and checks them in VerifyIntegrity
	// (see eventstore/integrity); without one no checkpoint is signed and
	// VerifyIntegrity refuses to run. The events are hashed either way.
	IntegrityKey []byte
	// CheckpointEvery is how many events pass between signed checkpoints;
	// default 1,000. One is also signed on a clean close.
	CheckpointEvery int

	// test seams, set only through export_test.go.
	beforeCommit func(first, last eventstore.Position)
	queued       func() // called as an append starts waiting for the writer
	noCure       bool   // positions from a plain sequence, without the counter lock
	noIntegrity  bool   // no hashes: only for benchmarks of their cost
}

func (o *Options) defaults() {
	if o.Schema == "" {
		o.Schema = "public"
	}
	if o.Limits == (eventstore.Limits{}) {
		o.Limits = eventstore.DefaultLimits
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.ReadBatch <= 0 {
		o.ReadBatch = 512
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = 1000
	}
}

// Store is the PostgreSQL event store. It is safe for concurrent use.
type Store struct {
	opts    Options
	pool    *pgxpool.Pool
	sql     statements
	channel string // NOTIFY channel of this schema

	reqs     chan *request // unbuffered: a send succeeds only when the writer takes it
	quit     chan struct{} // closed by Close
	ctx      context.Context
	cancel   context.CancelFunc
	writer   sync.WaitGroup
	listener sync.WaitGroup
	once     sync.Once
	signal   eventstore.Signal
	wrote    atomic.Bool // a batch of this store wrote events: it signs the head on close
	// refusedAfter is the position of the checkpoint after which the
	// events failed the check before signing (-1: none), so they are not
	// walked again at every interval: nothing more is signed until a
	// newer checkpoint exists (an operator's decision).
	refusedAfter atomic.Int64
	queueMu      sync.Mutex
	queued       []int64        // positions of checkpoints due, for the signer
	signing      bool           // the signer runs
	signers      sync.WaitGroup // the signer, for Close
}

var _ eventstore.Store = (*Store)(nil)

// Open connects, creates or migrates the schema, and starts the writer and the
// listener. connString is a pgx connection string or URL.
func Open(ctx context.Context, connString string, opts Options) (*Store, error) {
	opts.defaults()
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("eventstore/postgres: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	// Pinned for every session of the pool rather than trusted from the
	// server's defaults: a stricter default isolation would fail batches
	// that the counter lock already serializes (a batch waiting on the lock
	// would get a serialization failure once the holder commits). As a
	// startup parameter it costs no round trip. (append_batch pins
	// synchronous_commit=on for its own transaction.)
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["default_transaction_isolation"] = "read committed"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("eventstore/postgres: connect: %w", err)
	}
	if err := migrate(ctx, pool, opts.Schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("eventstore/postgres: migrate schema %q: %w", opts.Schema, err)
	}
	s := &Store{
		opts:    opts,
		pool:    pool,
		sql:     newStatements(pgx.Identifier{opts.Schema}.Sanitize()),
		channel: channelName(opts.Schema),
		reqs:    make(chan *request),
		quit:    make(chan struct{}),
	}
	s.refusedAfter.Store(-1)
	if opts.noCure {
		if _, err := pool.Exec(ctx, s.sql.createSeq); err != nil {
			pool.Close()
			return nil, fmt.Errorf("eventstore/postgres: %w", err)
		}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.writer.Add(1)
	go s.write()
	s.listener.Add(1)
	go s.listen(cfg.ConnConfig)
	return s, nil
}

// closeGrace bounds how long Close waits for the batch in flight: one stuck
// behind a lock held elsewhere, or a server gone silent, must not hang a
// graceful shutdown for ever. Past it the batch is cancelled (rolled back,
// its callers told).
const closeGrace = 10 * time.Second

// Close stops taking appends, lets the batch in flight commit, stops the
// listener and subscriptions, and closes the pool.
func (s *Store) Close() error {
	s.once.Do(func() {
		close(s.quit)
		written := make(chan struct{})
		go func() { s.writer.Wait(); close(written) }()
		select {
		case <-written: // the writer finishes its batch before it sees quit
		case <-time.After(closeGrace):
			s.opts.Logger.Warn("eventstore/postgres: close: cancelling the append batch still in flight", "after", closeGrace)
			s.cancel()
			<-written
		}
		signed := make(chan struct{})
		go func() { s.signers.Wait(); close(signed) }()
		select {
		case <-signed: // the checkpoint being signed is stored before the head's
		case <-time.After(closeGrace):
			s.opts.Logger.Warn("eventstore/postgres: close: cancelling the checkpoint being signed", "after", closeGrace)
			s.cancel()
			<-signed
		}
		s.signHead()
		s.cancel()
		s.listener.Wait()
		s.pool.Close()
	})
	return nil
}

// signHead signs a checkpoint at the head on close (once the writer has
// stopped), so the last events are covered too. Bounded like the batch in
// flight: a server gone silent must not hang the shutdown.
func (s *Store) signHead() {
	// Only a store that wrote signs: a reader (souq verify, a CLI) must not
	// sign whatever it found.
	if s.opts.IntegrityKey == nil || s.opts.noIntegrity || !s.wrote.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
	defer cancel()
	var head int64
	err := s.pool.QueryRow(ctx, s.sql.head).Scan(&head)
	if err == nil {
		err = s.checkpoint(ctx, head, head, true)
	}
	if err != nil {
		s.opts.Logger.Warn("eventstore/postgres: close: could not sign the head", "err", err)
	}
}

// Append implements eventstore.Store. The request is validated here, then
// handed to the writer, which commits it together with whatever other
// appends are waiting.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData) (eventstore.AppendResult, error) {
	if err := s.opts.Limits.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	r := &request{stream: stream, expected: expected, events: events, ctx: ctx, done: make(chan struct{})}
	if s.opts.queued != nil {
		s.opts.queued()
	}
	select {
	case <-s.quit:
		return eventstore.AppendResult{}, eventstore.ErrClosed
	case <-ctx.Done():
		return eventstore.AppendResult{}, ctx.Err()
	case s.reqs <- r:
	}
	select {
	case <-r.done:
		return r.result, r.err
	case <-ctx.Done():
		// The append may still commit; a retry with the same event IDs
		// finds out which.
		return eventstore.AppendResult{}, ctx.Err()
	}
}

// Head implements eventstore.Store: the counter's committed value.
func (s *Store) Head(ctx context.Context) (eventstore.Position, error) {
	if s.closed() {
		return 0, eventstore.ErrClosed
	}
	var p int64
	if err := s.pool.QueryRow(ctx, s.sql.head).Scan(&p); err != nil {
		return 0, fmt.Errorf("eventstore/postgres: head: %w", err)
	}
	return eventstore.Position(p), nil
}

// ReadAll implements eventstore.Store. With the counter lock, every event
// below a committed one is committed too, so a plain ordered read never
// returns an event while an earlier one may still appear.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if s.closed() {
		return nil, eventstore.ErrClosed
	}
	limit = eventstore.PageLimit(limit)
	if after > math.MaxInt64 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, s.sql.readAll, int64(after), limit)
	if err != nil {
		return nil, fmt.Errorf("eventstore/postgres: read all: %w", err)
	}
	out, err := scanEvents(rows, limit)
	if err != nil {
		return nil, fmt.Errorf("eventstore/postgres: read all: %w", err)
	}
	return out, nil
}

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	if err := s.opts.Limits.ValidateStreamID(stream); err != nil {
		return nil, err
	}
	if s.closed() {
		return nil, eventstore.ErrClosed
	}
	from := int64(math.MaxInt64)
	if opts.From < math.MaxInt64 {
		from = int64(opts.From)
	}
	var limit any // NULL: LIMIT ALL
	if opts.Limit > 0 {
		limit = opts.Limit
	}
	query := s.sql.readForwards
	if opts.Direction == eventstore.Backwards {
		query = s.sql.readBackwards
	}
	read := func() ([]eventstore.RecordedEvent, error) {
		rows, err := s.pool.Query(ctx, query, stream, from, limit)
		if err != nil {
			return nil, fmt.Errorf("eventstore/postgres: read stream: %w", err)
		}
		out, err := scanEvents(rows, max(opts.Limit, 0))
		if err != nil {
			return nil, fmt.Errorf("eventstore/postgres: read stream: %w", err)
		}
		return out, nil
	}
	out, err := read()
	if err != nil || len(out) > 0 {
		return out, err
	}
	// Empty: a missing stream, an empty range, or a stream created since.
	// Each statement has its own snapshot, so ask whether it exists, and if
	// it does, read again: that read's snapshot is later than the one that
	// saw the stream, so its answer, empty or not, is one of a stream that
	// exists.
	var exists bool
	if err := s.pool.QueryRow(ctx, s.sql.streamExists, stream).Scan(&exists); err != nil {
		return nil, fmt.Errorf("eventstore/postgres: read stream: %w", err)
	}
	if !exists {
		return nil, &eventstore.StreamNotFoundError{Stream: stream}
	}
	return read()
}

// Subscribe implements eventstore.Store. It ends with ctx, with handle's
// error, or with eventstore.ErrClosed when the store closes.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position, handle func([]eventstore.RecordedEvent) error) error {
	if s.closed() {
		return eventstore.ErrClosed
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	err := eventstore.Follow(ctx, after, eventstore.FollowOptions{BatchSize: s.opts.ReadBatch, Poll: s.opts.Poll},
		s.ReadAll, s.signal.Wait, handle)
	if s.ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return eventstore.ErrClosed
	}
	return err
}

func (s *Store) closed() bool {
	select {
	case <-s.quit:
		return true
	default:
		return false
	}
}
