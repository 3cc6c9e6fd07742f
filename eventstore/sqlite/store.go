package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/integrity"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Options tune a Store. The zero value is sane.
type Options struct {
	// Limits bound each append; zero means eventstore.DefaultLimits.
	Limits eventstore.Limits
	// MaxBatch is the most appends committed in one transaction; default 256.
	MaxBatch int
	// Poll is how often subscribers re-read without a wake-up, which matters
	// only when another process appends to the same file; default 1s.
	Poll time.Duration
	// ReadConns is the size of the read pool; default 4.
	ReadConns int
	// BusyTimeout is how long a connection waits for a lock held by another
	// process before failing; default 10s.
	BusyTimeout time.Duration
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Now stamps RecordedAt when an event has none; default time.Now.
	Now func() time.Time
	// IntegrityKey signs the checkpoints (see eventstore/integrity); default:
	// the key in integrity.key beside the file, made on first use, which
	// guards against accidental edits only.
	IntegrityKey []byte
	// CheckpointEvery is how many events pass between signed checkpoints;
	// default 1,000. One is also signed on a clean close.
	CheckpointEvery int

	noIntegrity bool // no hashes at all: only for benchmarks of their cost
}

func (o Options) withDefaults() Options {
	if o.Limits == (eventstore.Limits{}) {
		o.Limits = eventstore.DefaultLimits
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.ReadConns <= 0 {
		o.ReadConns = 4
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = 1000
	}
	return o
}

// Store is the SQLite event store. It is safe for concurrent use.
type Store struct {
	opts   Options
	path   string
	key    []byte // signs and checks checkpoints
	log    *slog.Logger
	signal eventstore.Signal

	wdb    *sql.DB   // holds the one write connection
	wconn  *sql.Conn // owned by the writer goroutine
	w      *writer
	rdb    *sql.DB // the read pool
	reads  readStmts
	reqs   chan *request
	mu     sync.RWMutex // guards closing reqs against sends
	closed atomic.Bool
	done   chan struct{} // closed when the writer goroutine has returned

	txs atomic.Int64 // committed write transactions, for tests
}

var _ eventstore.Store = (*Store)(nil)

// Open opens the store in the file at path, creating the file and its schema
// when absent and migrating an older schema.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		// The driver splits the DSN at '?'; a plain path keeps it simple.
		return nil, fmt.Errorf("sqlite: path %q: want a plain file path without ? or #", path)
	}
	base := path + "?_pragma=" + fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()) +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)"

	s := &Store{opts: opts, path: path, key: opts.IntegrityKey, log: opts.Logger, reqs: make(chan *request, opts.MaxBatch), done: make(chan struct{})}
	var err error
	if s.key == nil {
		if s.key, err = integrity.LoadOrCreateKey(filepath.Join(filepath.Dir(path), "integrity.key")); err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
	}
	if s.wdb, err = sql.Open("sqlite", base); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetConnMaxLifetime(0)
	s.wdb.SetConnMaxIdleTime(0)
	fail := func(err error) (*Store, error) {
		if s.wconn != nil {
			_ = s.wconn.Close()
		}
		if s.rdb != nil {
			_ = s.rdb.Close()
		}
		_ = s.wdb.Close()
		return nil, err
	}
	if s.wconn, err = s.wdb.Conn(ctx); err != nil {
		return fail(fmt.Errorf("sqlite: open %s: %w", path, err))
	}
	if err := checkPragmas(ctx, s.wconn); err != nil {
		return fail(fmt.Errorf("sqlite: open %s: %w", path, err))
	}
	if err := migrate(ctx, s.wconn); err != nil {
		return fail(fmt.Errorf("sqlite: open %s: %w", path, err))
	}
	checkpoints := integrity.Checkpointer{Key: s.key, Every: uint64(opts.CheckpointEvery)}
	if opts.noIntegrity {
		checkpoints.Key = nil
	}
	if s.w, err = newWriter(ctx, s.wconn, checkpoints, !opts.noIntegrity, s.log); err != nil {
		return fail(fmt.Errorf("sqlite: open %s: %w", path, err))
	}

	// query_only: a bug on the read side cannot write.
	if s.rdb, err = sql.Open("sqlite", base+"&_pragma=query_only(1)"); err != nil {
		return fail(fmt.Errorf("sqlite: open %s for reading: %w", path, err))
	}
	s.rdb.SetMaxOpenConns(opts.ReadConns)
	s.rdb.SetMaxIdleConns(opts.ReadConns)
	if err := s.reads.prepare(ctx, s.rdb); err != nil {
		return fail(fmt.Errorf("sqlite: open %s for reading: %w", path, err))
	}

	go s.run()
	return s, nil
}

// checkPragmas makes sure the durability settings took: journal_mode=WAL can
// silently stay on another mode (for instance on a file system without
// shared memory), and then the promises of this package would not hold.
func checkPragmas(ctx context.Context, conn *sql.Conn) error {
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal_mode is %q, want wal", mode)
	}
	var sync int
	if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return err
	}
	if sync != 2 {
		return fmt.Errorf("synchronous is %d, want 2 (FULL)", sync)
	}
	return nil
}

// Close stops accepting appends, commits those already accepted, and closes
// the connections. Subscribers return ErrClosed on their next read.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.closed.Store(true)
	close(s.reqs)
	s.mu.Unlock()
	<-s.done
	s.signal.Notify() // wake subscribers so they see the store closed
	var cpErr error
	// Only a store that wrote signs: a reader (souq verify, a CLI) must not
	// sign whatever it found.
	if !s.opts.noIntegrity && s.txs.Load() > 0 {
		if err := s.w.checkpointHead(context.Background(), s.key); err != nil {
			cpErr = fmt.Errorf("sqlite: close: sign the head: %w", err)
		}
	}
	s.reads.close()
	s.w.close()
	return errors.Join(cpErr, s.rdb.Close(), s.wconn.Close(), s.wdb.Close())
}

// Head is the position of the last committed event.
func (s *Store) Head(ctx context.Context) (eventstore.Position, error) {
	if s.closed.Load() {
		return 0, eventstore.ErrClosed
	}
	var head int64
	if err := s.reads.head.QueryRowContext(ctx).Scan(&head); err != nil {
		return 0, s.readErr("head", err)
	}
	return eventstore.Position(head), nil
}

// Subscribe catches up from after, then follows new commits: a wake-up after
// each commit of this process, and a poll for commits of other processes.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position, handle func([]eventstore.RecordedEvent) error) error {
	if s.closed.Load() {
		return eventstore.ErrClosed
	}
	return eventstore.Follow(ctx, after, eventstore.FollowOptions{Poll: s.opts.Poll}, s.ReadAll, s.signal.Wait, handle)
}

func (s *Store) readErr(what string, err error) error {
	if s.closed.Load() {
		return fmt.Errorf("sqlite: %s: %w", what, eventstore.ErrClosed)
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}
