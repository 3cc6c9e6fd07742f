package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/eventstore"
)

// Codes of the refusals the executor itself decides.
const (
	// CodeConcurrencyConflict: the stream kept moving under the command
	// through every retry; the client may try again.
	CodeConcurrencyConflict = "command.concurrency_conflict"
	// CodeIdempotencyKeyReused: an Idempotency-Key already served a request
	// with another body.
	CodeIdempotencyKeyReused = "command.idempotency_key_reused"
	// CodeCommandIDReused: a command ID already wrote other events.
	CodeCommandIDReused = "command.id_reused"
	// CodePreconditionFailed: the stream is not at the revision the caller
	// asserted (Meta.Precondition); nothing was written and nothing retried.
	CodePreconditionFailed = "command.precondition_failed"
)

// Aggregate is what every domain aggregate offers the executor: replay,
// the events raised since, and how many stored events it was loaded from.
type Aggregate interface {
	Apply(domain.Event)
	Changes() []domain.Event
	Version() uint64
}

// Step is one decision on one stream: the aggregate to load and what to do
// with it. Decide calls a domain method with the command and `now`.
type Step[A Aggregate] struct {
	Stream string
	New    func() A
	Decide func(A) error
}

// Result is where a command left its stream. Revision and Position are
// those of the last event the command wrote, or, when it wrote nothing, of
// the stream's last event: either way a read model that has reached Position
// reflects what the command saw (the X-Souq-Position consistency token).
type Result struct {
	Stream   string
	Revision uint64              // stream revision of that event (0 also when the stream is empty)
	Position eventstore.Position // global position of that event (0 when the stream is empty)
	Events   int                 // events this command wrote to the stream
	Replayed bool                // the command had already run; this is its first result again
}

// Options tune an Executor; the zero value is sane.
type Options struct {
	// Retries after the first attempt when the expected revision fails;
	// default 5. Negative means none.
	Retries int
	// Backoff is the first retry's wait ceiling; it doubles per retry up to
	// MaxBackoff, and each wait is jittered over [ceiling/2, ceiling] so
	// racing writers spread out. Defaults 2ms and 100ms.
	Backoff, MaxBackoff time.Duration
	// Logger receives retries and give-ups at debug and warn; default
	// slog.Default().
	Logger *slog.Logger
}

// Executor runs load → decide → append against an event store.
type Executor struct {
	store eventstore.Store
	reg   *eventstore.Registry
	opts  Options
}

// NewExecutor returns an executor over a store, decoding with reg.
func NewExecutor(store eventstore.Store, reg *eventstore.Registry, opts Options) *Executor {
	switch {
	case opts.Retries == 0:
		opts.Retries = 5
	case opts.Retries < 0:
		opts.Retries = 0
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 2 * time.Millisecond
	}
	if opts.MaxBackoff < opts.Backoff {
		opts.MaxBackoff = max(100*time.Millisecond, opts.Backoff)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Executor{store: store, reg: reg, opts: opts}
}

// Store is the event store the executor writes to.
func (x *Executor) Store() eventstore.Store { return x.store }

// Registry is the registry the executor encodes and decodes with.
func (x *Executor) Registry() *eventstore.Registry { return x.reg }

// loaded is a stream as read before a decision.
type loaded[A Aggregate] struct {
	agg      A
	exists   bool
	revision uint64
	position eventstore.Position
	mine     []eventstore.RecordedEvent // events this command ID already wrote
}

func load[A Aggregate](ctx context.Context, x *Executor, s Step[A], commandID string) (loaded[A], error) {
	l := loaded[A]{agg: s.New()}
	recs, err := x.store.ReadStream(ctx, s.Stream, eventstore.ReadStreamOptions{})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return l, nil
	}
	if err != nil {
		return l, fmt.Errorf("commands: read %s: %w", s.Stream, err)
	}
	for _, r := range recs {
		v, err := x.reg.DecodeRecorded(r)
		if err != nil {
			return l, fmt.Errorf("commands: load %s at revision %d: %w", s.Stream, r.StreamRevision, err)
		}
		e, ok := v.(domain.Event)
		if !ok {
			return l, fmt.Errorf("commands: load %s: %s decodes to %T, not a domain event", s.Stream, r.Type, v)
		}
		l.agg.Apply(e)
		if commandID != "" && r.Metadata.CommandID == commandID {
			l.mine = append(l.mine, r)
		}
	}
	if n := len(recs); n > 0 {
		l.exists, l.revision, l.position = true, recs[n-1].StreamRevision, recs[n-1].Position
	}
	return l, nil
}

// Decide is a dry run: it loads the stream and decides, appending nothing.
// The aggregate's Changes() are what Execute would write (quotes, previews,
// and handlers that must check a decision before calling a provider).
func Decide[A Aggregate](ctx context.Context, x *Executor, s Step[A]) (A, error) {
	l, err := load(ctx, x, s, "")
	if err != nil {
		return l.agg, err
	}
	return l.agg, s.Decide(l.agg)
}

// Execute loads the stream, decides, and appends the decision's events with
// the expected revision the aggregate was loaded at. A decision that raises
// nothing writes nothing and succeeds. On a conflict it reloads and decides
// again, at most Options.Retries times, then refuses with a Conflict error
// coded command.concurrency_conflict.
//
// Event IDs derive from the command ID, the request hash, the stream and
// the event's index in the decision, never from the attempt. So:
//   - the same command again, after its events were stored, finds them in
//     the stream (by command ID in their metadata) and returns the first
//     result with Replayed set; a racing duplicate that loaded before they
//     were stored sends the same IDs and the store answers its retry path;
//   - the same command ID with another request hash (same Idempotency-Key,
//     other body) finds stored events whose IDs differ from what it would
//     write, and is refused: command.idempotency_key_reused.
func Execute[A Aggregate](ctx context.Context, x *Executor, meta Meta, s Step[A]) (Result, error) {
	meta, err := meta.normalize()
	if err != nil {
		return Result{}, err
	}
	md := meta.Metadata()
	var last error
	for attempt := 0; ; attempt++ {
		l, err := load(ctx, x, s, meta.CommandID)
		if err != nil {
			return Result{}, err
		}
		if len(l.mine) > 0 {
			return replay(meta, s.Stream, l.mine)
		}
		pre := meta.Precondition
		if pre != nil && pre.Stream != s.Stream {
			pre = nil // it asserts another stream of the command
		}
		if pre != nil && (!l.exists || l.revision != pre.Revision) {
			return Result{}, preconditionFailed(s.Stream, pre.Revision, l.exists, l.revision)
		}
		if err := s.Decide(l.agg); err != nil {
			return Result{}, err
		}
		changes := l.agg.Changes()
		if len(changes) == 0 {
			return Result{Stream: s.Stream, Revision: l.revision, Position: l.position}, nil
		}
		events := make([]eventstore.EventData, len(changes))
		for i, c := range changes {
			if events[i], err = x.reg.NewEvent(eventID(meta, s.Stream, i), c, md); err != nil {
				return Result{}, fmt.Errorf("commands: encode %s for %s: %w", c.EventType(), s.Stream, err)
			}
		}
		expected := eventstore.NoStream
		if v := l.agg.Version(); v > 0 {
			expected = eventstore.Exact(v - 1)
		}
		res, err := x.store.Append(ctx, s.Stream, expected, events)
		if err == nil {
			return Result{Stream: s.Stream, Revision: res.NextRevision, Position: res.Position, Events: len(events)}, nil
		}
		if !errors.Is(err, eventstore.ErrConflict) {
			return Result{}, fmt.Errorf("commands: append to %s: %w", s.Stream, err)
		}
		if pre != nil {
			// The caller asked for a compare-and-set, not retries: the
			// stream moved past the asserted revision after the load.
			var ce *eventstore.ConflictError
			errors.As(err, &ce)
			return Result{}, fmt.Errorf("%w (%w)", preconditionFailed(s.Stream, pre.Revision, ce != nil && ce.StreamExists, ce.Actual), err)
		}
		last = err
		if attempt >= x.opts.Retries {
			break
		}
		wait := x.backoff(attempt)
		x.opts.Logger.DebugContext(ctx, "command conflict, retrying", "stream", s.Stream, "command_id", meta.CommandID, "attempt", attempt+1, "wait", wait)
		if err := sleep(ctx, wait); err != nil {
			return Result{}, err
		}
	}
	x.opts.Logger.WarnContext(ctx, "command gave up after conflicts", "stream", s.Stream, "command_id", meta.CommandID, "attempts", x.opts.Retries+1)
	refusal := domain.Errorf(domain.Conflict, CodeConcurrencyConflict, "%s kept changing during %d attempts; try again", s.Stream, x.opts.Retries+1)
	return Result{}, fmt.Errorf("%w (%w)", refusal, last)
}

func preconditionFailed(stream string, want uint64, exists bool, got uint64) error {
	if !exists {
		return domain.Errorf(domain.Precondition, CodePreconditionFailed, "%s has no events; it cannot be at revision %d", stream, want)
	}
	return domain.Errorf(domain.Precondition, CodePreconditionFailed, "%s is at revision %d, not %d", stream, got, want)
}

// replay answers a command whose events are already stored.
func replay(meta Meta, stream string, mine []eventstore.RecordedEvent) (Result, error) {
	for i, r := range mine {
		if r.ID != eventID(meta, stream, i) {
			if meta.IdempotencyKey != "" {
				return Result{}, domain.Errorf(domain.Conflict, CodeIdempotencyKeyReused, "Idempotency-Key %q was used for another request", meta.IdempotencyKey)
			}
			return Result{}, domain.Errorf(domain.Conflict, CodeCommandIDReused, "command %s already wrote other events to %s", meta.CommandID, stream)
		}
	}
	last := mine[len(mine)-1]
	return Result{Stream: stream, Revision: last.StreamRevision, Position: last.Position, Events: len(mine), Replayed: true}, nil
}

func (x *Executor) backoff(attempt int) time.Duration {
	ceiling := x.opts.Backoff << min(attempt, 20)
	if ceiling <= 0 || ceiling > x.opts.MaxBackoff {
		ceiling = x.opts.MaxBackoff
	}
	half := ceiling / 2
	return half + rand.N(half+1)
}

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
