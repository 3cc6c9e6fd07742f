package projections

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/eventstore"
)

// Errors the runner's operations return; match them with errors.Is.
var (
	// ErrUnknownProjector: no projector of that name was given to New.
	ErrUnknownProjector = errors.New("projections: unknown projector")
	// ErrNotSQL: the operation (rebuild) needs an SQL projector.
	ErrNotSQL = errors.New("projections: not an SQL projector")
	// ErrRebuilding: a rebuild of the projector is already running.
	ErrRebuilding = errors.New("projections: rebuild already running")
	// ErrBehind: Ready found projectors failing or too far behind.
	ErrBehind = errors.New("projections: not caught up")
	// errMoved: the stored checkpoint is not where this runner believed, so
	// someone else (another runner, an operator) moved it; start over from it.
	errMoved = errors.New("projections: checkpoint moved by someone else")
)

// Transient marks err as a failure that passes by itself (a sink or broker
// that is down, a connection refused): the runner retries such a batch with
// capped backoff for as long as it takes, showing the projector as failing,
// and never parks its events for it. Transient(nil) is nil.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return transientError{err}
}

// IsTransient reports whether err, or an error it wraps, was marked by
// Transient.
func IsTransient(err error) bool {
	var t transientError
	return errors.As(err, &t)
}

// TransientNet is Transient(err) when err is a network failure — a
// connection refused, reset, closed mid-reply or timed out, as a Redis or
// HTTP sink that is away returns — and err unchanged otherwise, so that a
// sink's refusal of the data itself still ends in parking.
func TransientNet(err error) error {
	var ne net.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ne), errors.Is(err, net.ErrClosed), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return Transient(err)
	}
	return err
}

type transientError struct{ err error }

func (e transientError) Error() string { return e.err.Error() }
func (e transientError) Unwrap() error { return e.err }

// Options configure a Runner. DB, Dialect and Store are required.
type Options struct {
	// DB holds checkpoints, parked events and the SQL projectors' tables.
	DB      *sql.DB
	Dialect Dialect
	// Store is the event source.
	Store eventstore.Store
	// BatchSize is the most events applied in one transaction; default 256.
	BatchSize int
	// RebuildBatchSize is the same for a rebuild's shadow; default 4096.
	// Nobody reads a shadow, so a large batch costs only memory and a
	// longer transaction on tables no one waits for, and lets a projector
	// that folds a batch in memory write most rows once (on SQLite, whose
	// one writer the live projectors share, it holds them off a little
	// longer per batch).
	RebuildBatchSize int
	// Attempts is how often a batch, and then the one event found failing
	// in it, is tried before that event is parked; default 5.
	Attempts int
	// Backoff is the wait before the first retry, doubled on each next one
	// up to MaxBackoff (with ±20 % jitter); defaults 50ms and 5s.
	Backoff, MaxBackoff time.Duration
	// Poll is how often WaitFor reads the stored checkpoint, which matters
	// when the projector runs in another process; default 100ms.
	Poll time.Duration
	// Registerer, when set, receives the runner's Prometheus collector.
	Registerer prometheus.Registerer
	// Label is the runner's metrics' "runner" label (default "projections"),
	// so that several runners of one process (read models, outbox, process
	// managers) can register on one registry.
	Label  string
	Logger *slog.Logger
	Now    func() time.Time
}

func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 {
		o.BatchSize = 256
	}
	if o.RebuildBatchSize <= 0 {
		o.RebuildBatchSize = 4096
	}
	if o.Attempts <= 0 {
		o.Attempts = 5
	}
	if o.Backoff <= 0 {
		o.Backoff = 50 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = 100 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Label == "" {
		o.Label = "projections"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Runner feeds projectors from the event store: one goroutine each, from
// its checkpoint, in batches, with retries, parking and metrics. Its
// operations (Pause, Reset, Rebuild …) are safe to call while Run runs, and
// also without Run, as an operator's tool on the same database does.
type Runner struct {
	opts    Options
	db      *sql.DB
	d       Dialect
	store   eventstore.Store
	q       queries
	log     *slog.Logger
	now     func() time.Time
	workers map[string]*worker // fixed by New
	names   []string           // in the order given
}

// New checks the projectors, migrates the runner's tables, creates the SQL
// projectors' tables that do not exist yet and loads every checkpoint.
func New(ctx context.Context, opts Options, projectors ...Projector) (*Runner, error) {
	opts = opts.withDefaults()
	if opts.DB == nil || opts.Store == nil || opts.Dialect.name == "" {
		return nil, errors.New("projections: Options.DB, Dialect and Store are required")
	}
	r := &Runner{
		opts: opts, db: opts.DB, d: opts.Dialect, store: opts.Store,
		q: newQueries(opts.Dialect), log: opts.Logger, now: opts.Now,
		workers: map[string]*worker{},
	}
	var problems []error
	tables := map[string]string{}
	for _, p := range projectors {
		w := &worker{r: r, name: p.Name(), kick: make(chan struct{}, 1)}
		switch p := p.(type) {
		case SQL:
			w.sql = p
			for _, t := range p.Tables() {
				if err := checkIdent("table of "+w.name, t.Name); err != nil {
					problems = append(problems, err)
				}
				if other, ok := tables[t.Name]; ok {
					problems = append(problems, fmt.Errorf("projections: table %s declared by %s and %s", t.Name, other, w.name))
				}
				tables[t.Name] = w.name
			}
		case Idempotent:
			w.idem = p
		default:
			problems = append(problems, fmt.Errorf("projections: projector %q (%T) is neither SQL nor Idempotent", p.Name(), p))
		}
		if w.name == "" {
			problems = append(problems, fmt.Errorf("projections: projector %T has no name", p))
		}
		if _, dup := r.workers[w.name]; dup {
			problems = append(problems, fmt.Errorf("projections: two projectors named %q", w.name))
		}
		r.workers[w.name] = w
		r.names = append(r.names, w.name)
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	if err := migrate(ctx, r.db, r.d); err != nil {
		return nil, err
	}
	for _, name := range r.names {
		if err := r.workers[name].init(ctx); err != nil {
			return nil, err
		}
	}
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(newCollector(r)); err != nil {
			return nil, fmt.Errorf("projections: register metrics: %w", err)
		}
	}
	return r, nil
}

// Names lists the projectors in the order New got them.
func (r *Runner) Names() []string { return append([]string(nil), r.names...) }

// Run feeds every projector until ctx ends, and returns ctx.Err(). A
// projector that fails is retried and parks what keeps failing (a
// Transient failure is retried until it passes); it never stops the others.
// Every Options.Poll it re-reads the stored paused flags and checkpoints, so
// that an operator's pause, resume or reset from another process (souq
// projections …) takes effect here without a restart.
func (r *Runner) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { r.watch(ctx) })
	for _, name := range r.names {
		w := r.workers[name]
		wg.Go(func() { w.loop(ctx) })
	}
	wg.Wait()
	return ctx.Err()
}

func (r *Runner) worker(name string) (*worker, error) {
	w, ok := r.workers[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownProjector, name)
	}
	return w, nil
}

// backoff is the wait before retry number i (0-based).
func (r *Runner) backoff(i int) time.Duration {
	d := r.opts.Backoff
	for ; i > 0 && d < r.opts.MaxBackoff; i-- {
		d *= 2
	}
	d = min(d, r.opts.MaxBackoff)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// worker runs one projector.
type worker struct {
	r    *Runner
	name string
	sql  SQL
	idem Idempotent

	// exec is held while the loop feeds events, and by operations that need
	// the projector stopped (reset, the swap of a rebuild, replaying parked
	// events), so they never race a batch.
	exec sync.Mutex
	kick chan struct{} // wakes the loop after pause, hold or failure

	mu         sync.Mutex
	paused     bool
	gen        uint64             // bumped by every local operation, so watch never applies a flag read before it
	holds      int                // operations waiting for or holding exec
	cancel     context.CancelFunc // of the feed in progress
	running    bool               // the loop runs
	failing    bool
	lastErr    string
	rebuilding bool
	pos        eventstore.Position
	total      uint64 // events handled since start, for the counter
	meter      meter

	advanced eventstore.Signal // notified whenever pos moves
}

func (w *worker) init(ctx context.Context) error {
	err := inTx(ctx, w.r.db, func(tx *sql.Tx) error {
		if w.r.d.lock != "" {
			if _, err := tx.ExecContext(ctx, w.r.d.lock); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, w.r.q.ensure, w.name); err != nil {
			return err
		}
		if w.sql != nil {
			if err := w.r.createTables(ctx, tx, w.sql.Tables(), ""); err != nil {
				return err
			}
		}
		var pos, paused int64
		if err := tx.QueryRowContext(ctx, w.r.q.load, w.name).Scan(&pos, &paused); err != nil {
			return err
		}
		w.pos, w.paused = eventstore.Position(pos), paused != 0
		return nil
	})
	if err != nil {
		return fmt.Errorf("projections: set up %s: %w", w.name, err)
	}
	return nil
}

func (w *worker) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// loop runs the projector until ctx ends: it follows the store from the
// stored checkpoint, stops when paused or held, and restarts after failures
// with backoff.
func (w *worker) loop(ctx context.Context) {
	w.mu.Lock()
	w.running = true
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.running = false
		w.mu.Unlock()
	}()
	failures := 0
	for {
		w.exec.Lock()
		w.mu.Lock()
		if ctx.Err() != nil {
			w.mu.Unlock()
			w.exec.Unlock()
			return
		}
		if w.paused || w.holds > 0 {
			w.mu.Unlock()
			w.exec.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-w.kick:
			}
			continue
		}
		run, cancel := context.WithCancel(ctx)
		w.cancel = cancel
		w.mu.Unlock()

		err := w.follow(run)
		stopped := run.Err() != nil // paused, held or ctx ended
		cancel()
		w.mu.Lock()
		w.cancel = nil
		w.mu.Unlock()
		w.exec.Unlock()

		switch {
		case ctx.Err() != nil:
			return
		case stopped || errors.Is(err, errMoved):
			failures = 0
			continue
		}
		w.fail(err)
		w.r.log.Error("projection feed failed", "projector", w.name, "err", err, "retry", failures+1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(w.r.backoff(failures)):
		case <-w.kick:
		}
		failures++
	}
}

// follow feeds the projector from its stored checkpoint until run ends or
// something fails.
func (w *worker) follow(run context.Context) error {
	var pos int64
	var paused int64
	if err := w.r.db.QueryRowContext(run, w.r.q.load, w.name).Scan(&pos, &paused); err != nil {
		return fmt.Errorf("load checkpoint: %w", err)
	}
	w.setPos(eventstore.Position(pos))
	t := &target{pos: eventstore.Position(pos), batch: w.r.opts.BatchSize}
	return w.r.store.Subscribe(run, t.pos, func(events []eventstore.RecordedEvent) error {
		return w.feed(run, t, events)
	})
}

// target is where a feed writes: the live tables and the stored checkpoint,
// or during a rebuild the shadow tables and a checkpoint in memory.
type target struct {
	suffix string
	shadow bool
	batch  int                 // most events per transaction
	pos    eventstore.Position // last event applied or parked
	parked []parkedEvent       // parked during a rebuild, stored at the swap
}

type parkedEvent struct {
	ev       eventstore.RecordedEvent
	err      string
	attempts int
}

// feed applies events in batches, skipping those already applied (a
// duplicate delivery).
func (w *worker) feed(ctx context.Context, t *target, events []eventstore.RecordedEvent) error {
	i := 0
	for i < len(events) && events[i].Position <= t.pos {
		i++
	}
	events = events[i:]
	for len(events) > 0 {
		n := min(len(events), t.batch)
		if err := w.apply(ctx, t, events[:n]); err != nil {
			return err
		}
		events = events[n:]
	}
	return nil
}

// apply commits a batch, retrying with backoff; when it keeps failing it
// bisects the batch to find the failing event, parks that one and commits
// the rest.
func (w *worker) apply(ctx context.Context, t *target, events []eventstore.RecordedEvent) error {
	err := w.attempt(ctx, t, events, w.r.opts.Attempts)
	if err == nil || ctx.Err() != nil || errors.Is(err, errMoved) {
		return err
	}
	return w.bisect(ctx, t, events, err)
}

// bisect handles a batch that failed: a single event is parked; a longer
// batch is split in two halves, each tried once (a lone event: Attempts
// times) and bisected again when it fails, so that only the culprit is
// parked and it costs O(log n) extra attempts to find it.
func (w *worker) bisect(ctx context.Context, t *target, events []eventstore.RecordedEvent, cause error) error {
	if len(events) == 1 {
		return w.park(ctx, t, events[0], cause)
	}
	h := len(events) / 2
	for _, part := range [][]eventstore.RecordedEvent{events[:h], events[h:]} {
		n := 1
		if len(part) == 1 {
			n = w.r.opts.Attempts
		}
		err := w.attempt(ctx, t, part, n)
		if err == nil {
			continue
		}
		if ctx.Err() != nil || errors.Is(err, errMoved) {
			return err
		}
		if err := w.bisect(ctx, t, part, err); err != nil {
			return err
		}
	}
	return nil
}

// attempt tries to commit a batch up to n times, with backoff between. A
// Transient failure does not count toward n: it is retried, with backoff
// capped at MaxBackoff, until it passes or ctx ends, so a sink that is down
// makes the projector fail (Status, Ready) but parks nothing.
func (w *worker) attempt(ctx context.Context, t *target, events []eventstore.RecordedEvent, n int) error {
	tries, waits := 0, 0
	for {
		err := w.commit(ctx, t, events)
		if err == nil {
			if !t.shadow {
				w.ok()
			}
			return nil
		}
		if ctx.Err() != nil || errors.Is(err, errMoved) {
			return err
		}
		if !t.shadow {
			w.fail(err)
		}
		transient := IsTransient(err)
		if !transient {
			tries++
		}
		w.r.log.Warn("projection batch failed", "projector", w.name, "shadow", t.shadow, "transient", transient,
			"first", events[0].Position, "last", events[len(events)-1].Position, "attempt", tries+waits+1, "err", err)
		if !transient && tries >= n {
			return err
		}
		if err := sleep(ctx, w.r.backoff(waits)); err != nil {
			return err
		}
		waits++
	}
}

// commit applies a batch once. For an SQL projector the checkpoint moves in
// the same transaction as the rows; for an idempotent one after the sink
// acknowledged.
func (w *worker) commit(ctx context.Context, t *target, events []eventstore.RecordedEvent) error {
	last := events[len(events)-1]
	if w.idem != nil {
		if err := w.idem.Handle(ctx, events); err != nil {
			return fmt.Errorf("projector %s: events %d–%d: %w", w.name, events[0].Position, last.Position, err)
		}
		if err := inTx(ctx, w.r.db, func(tx *sql.Tx) error { return w.claim(ctx, tx, t, last) }); err != nil {
			return err
		}
	} else {
		err := inTx(ctx, w.r.db, func(tx *sql.Tx) error {
			if !t.shadow {
				if err := w.claim(ctx, tx, t, last); err != nil {
					return err
				}
			}
			if err := w.sql.HandleBatch(ctx, &Tx{tx: tx, dialect: w.r.d, suffix: t.suffix}, events); err != nil {
				return fmt.Errorf("projector %s: events %d–%d: %w", w.name, events[0].Position, last.Position, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	t.pos = last.Position
	if !t.shadow {
		w.handled(last.Position, len(events))
	}
	return nil
}

// claim moves the stored checkpoint from t.pos to last, or fails with
// errMoved when it is no longer at t.pos.
func (w *worker) claim(ctx context.Context, tx *sql.Tx, t *target, last eventstore.RecordedEvent) error {
	res, err := tx.ExecContext(ctx, w.r.q.claim, int64(last.Position), last.Metadata.RecordedAt.UnixNano(),
		w.r.now().UnixNano(), w.name, int64(t.pos))
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	} else if n != 1 {
		return errMoved
	}
	return nil
}

// park records an event that keeps failing, with its error, and moves the
// checkpoint past it, in one transaction.
func (w *worker) park(ctx context.Context, t *target, ev eventstore.RecordedEvent, cause error) error {
	w.r.log.Error("projection parked an event", "projector", w.name, "shadow", t.shadow,
		"position", ev.Position, "event_id", ev.ID, "type", ev.Type, "stream", ev.StreamID, "err", cause)
	if t.shadow {
		t.parked = append(t.parked, parkedEvent{ev: ev, err: cause.Error(), attempts: w.r.opts.Attempts})
		t.pos = ev.Position
		return nil
	}
	err := inTx(ctx, w.r.db, func(tx *sql.Tx) error {
		if err := w.claim(ctx, tx, t, ev); err != nil {
			return err
		}
		return w.r.insertParked(ctx, tx, w.name, parkedEvent{ev: ev, err: cause.Error(), attempts: w.r.opts.Attempts})
	})
	if err != nil {
		return fmt.Errorf("park event %d: %w", ev.Position, err)
	}
	t.pos = ev.Position
	w.handled(ev.Position, 0)
	w.ok() // the projector moves on; the parked count tells the rest
	return nil
}

func (r *Runner) insertParked(ctx context.Context, tx *sql.Tx, name string, p parkedEvent) error {
	_, err := tx.ExecContext(ctx, r.q.park, name, int64(p.ev.Position), p.ev.ID, p.ev.StreamID,
		int64(p.ev.StreamRevision), p.ev.Type, p.err, p.attempts, r.now().UnixNano())
	return err
}

func (w *worker) setPos(p eventstore.Position) {
	w.mu.Lock()
	w.pos = p
	w.mu.Unlock()
	w.advanced.Notify()
}

func (w *worker) handled(p eventstore.Position, n int) {
	w.mu.Lock()
	w.pos = p
	w.total += uint64(n)
	w.meter.add(w.r.now(), uint64(n))
	w.mu.Unlock()
	w.advanced.Notify()
}

func (w *worker) fail(err error) {
	w.mu.Lock()
	w.failing, w.lastErr = true, err.Error()
	w.mu.Unlock()
}

func (w *worker) ok() {
	w.mu.Lock()
	w.failing = false
	w.mu.Unlock()
}

// meter counts events per second over the last ten whole seconds.
type meter struct {
	counts [10]uint64
	secs   [10]int64
}

func (m *meter) add(now time.Time, n uint64) {
	s := now.Unix()
	i := s % 10
	if m.secs[i] != s {
		m.secs[i], m.counts[i] = s, 0
	}
	m.counts[i] += n
}

// rate is the mean over the ten seconds before the current one.
func (m *meter) rate(now time.Time) float64 {
	s := now.Unix()
	var sum uint64
	for i := range m.secs {
		if d := s - m.secs[i]; d >= 1 && d <= 10 {
			sum += m.counts[i]
		}
	}
	return float64(sum) / 10
}
