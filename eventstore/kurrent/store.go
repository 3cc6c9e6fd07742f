package kurrent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/kurrent-io/KurrentDB-Client-Go/kurrentdb"

	"github.com/souq-market/souq/eventstore"
)

// Options tune a Store. The zero value is usable.
type Options struct {
	// Limits refused before any I/O; zero means eventstore.DefaultLimits.
	Limits eventstore.Limits
	// Logger receives the client's log lines and subscription drops; nil
	// means slog.Default().
	Logger *slog.Logger
	// StreamPrefix namespaces every stream (see doc.go). It must not start
	// with "$" nor contain control characters.
	StreamPrefix string
	// Now stamps Metadata.RecordedAt when it is zero; nil means time.Now.
	Now func() time.Time
	// MaxAttempts bounds how often one Append re-reads and retries when other
	// writers keep moving the stream; default 32.
	MaxAttempts int
	// BatchSize is the most events one Subscribe batch and one ReadAll page
	// carry; default 512.
	BatchSize int
	// Resubscribe is the back-off before re-opening a dropped subscription;
	// it doubles up to ten times this. Default 200ms.
	Resubscribe time.Duration
}

// Store is the KurrentDB backend of eventstore.Store; safe for concurrent use.
type Store struct {
	client  *kurrentdb.Client
	limits  eventstore.Limits
	log     *slog.Logger
	prefix  string
	now     func() time.Time
	tries   int
	batch   int
	backoff time.Duration

	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup
	done     chan struct{} // closed by Close
}

var _ eventstore.Store = (*Store)(nil)

// Open makes a Store for a connection string such as
// "kurrentdb://127.0.0.1:2113?tls=false". It does not dial; the first call
// does.
func Open(ctx context.Context, connString string, opts Options) (*Store, error) {
	_ = ctx // the client dials lazily: nothing to wait for here
	if opts.Limits == (eventstore.Limits{}) {
		opts.Limits = eventstore.DefaultLimits
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 32
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 512
	}
	if opts.Resubscribe <= 0 {
		opts.Resubscribe = 200 * time.Millisecond
	}
	if p := opts.StreamPrefix; strings.HasPrefix(p, "$") || strings.IndexFunc(p, unicode.IsControl) >= 0 {
		return nil, fmt.Errorf("kurrent: stream prefix %q: must not start with $ nor contain control characters", p)
	}
	conf, err := kurrentdb.ParseConnectionString(connString)
	if err != nil {
		return nil, fmt.Errorf("kurrent: connection string: %w", err)
	}
	log := opts.Logger.With("component", "eventstore/kurrent")
	conf.Logger = clientLogger(log)
	client, err := kurrentdb.NewClient(conf)
	if err != nil {
		return nil, fmt.Errorf("kurrent: %w", err)
	}
	return &Store{
		client:  client,
		limits:  opts.Limits,
		log:     log,
		prefix:  opts.StreamPrefix,
		now:     opts.Now,
		tries:   opts.MaxAttempts,
		batch:   opts.BatchSize,
		backoff: opts.Resubscribe,
		done:    make(chan struct{}),
	}, nil
}

// clientLogger routes the client's printf-style log lines to slog.
func clientLogger(log *slog.Logger) kurrentdb.LoggingFunc {
	return func(level kurrentdb.LogLevel, format string, args ...any) {
		// The client passes its variadic arguments on as one slice
		// (configuration.applyLogger), so unwrap that.
		if len(args) == 1 {
			if inner, ok := args[0].([]any); ok {
				args = inner
			}
		}
		lvl := slog.LevelDebug
		switch level {
		case kurrentdb.LogWarn:
			lvl = slog.LevelWarn
		case kurrentdb.LogError:
			lvl = slog.LevelError
		}
		log.Log(context.Background(), lvl, fmt.Sprintf(format, args...), "source", "kurrentdb-client")
	}
}

// begin registers a call in flight, or refuses it once the store is closed.
func (s *Store) begin() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return eventstore.ErrClosed
	}
	s.inflight.Add(1)
	return nil
}

// Close waits for calls in flight (subscriptions end at once), then closes
// the client. It is safe to call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	s.inflight.Wait()
	return s.client.Close()
}

// Append implements eventstore.Store; doc.go explains the steps.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData) (eventstore.AppendResult, error) {
	if err := s.limits.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	proposed, err := encode(events, s.now().UTC())
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := s.begin(); err != nil {
		return eventstore.AppendResult{}, err
	}
	defer s.inflight.Done()

	name := s.prefix + stream
	ours := make(map[string]bool, len(events))
	for _, e := range events {
		ours[e.ID] = true
	}
	var (
		found  []eventstore.RecordedEvent // stored events carrying our IDs
		last   uint64
		exists bool
	)
	for attempt := 1; ; attempt++ {
		from := uint64(0)
		if exists {
			from = last + 1
		}
		raw, err := s.readRaw(ctx, name, kurrentdb.Forwards, kurrentdb.Revision(from), math.MaxInt64) // "all", kept in signed 64-bit range in case the server casts the count
		if err != nil && !missing(code(err)) {
			return eventstore.AppendResult{}, translate(ctx, "append", stream, err)
		}
		for _, r := range raw {
			last, exists = r.EventNumber, true
			if ours[r.EventID.String()] {
				e, err := decode(r, s.prefix)
				if err != nil {
					return eventstore.AppendResult{}, err
				}
				found = append(found, e)
			}
		}
		if len(found) > 0 {
			return eventstore.MatchRetry(stream, events, found)
		}
		if err := expected.Check(stream, last, exists); err != nil {
			return eventstore.AppendResult{}, err
		}
		var state kurrentdb.StreamState = kurrentdb.NoStream{}
		next := uint64(len(events) - 1)
		if exists {
			state = kurrentdb.Revision(last)
			next = last + uint64(len(events))
		}
		_, err = s.client.AppendToStream(ctx, name, kurrentdb.AppendToStreamOptions{StreamState: state}, proposed...)
		switch {
		case err == nil:
			return s.confirm(ctx, stream, next, events[len(events)-1].ID)
		case code(err) == kurrentdb.ErrorCodeWrongExpectedVersion && attempt < s.tries && ctx.Err() == nil:
			continue // another writer moved the stream since our read
		case code(err) == kurrentdb.ErrorCodeWrongExpectedVersion:
			return eventstore.AppendResult{}, fmt.Errorf("kurrent: append to %q: gave up after %d attempts against concurrent writers: %w", stream, attempt, err)
		default:
			return eventstore.AppendResult{}, translate(ctx, "append", stream, err)
		}
	}
}

// confirm reads back the last event of an acknowledged append for its $all
// position, and checks it is ours.
func (s *Store) confirm(ctx context.Context, stream string, revision uint64, id string) (eventstore.AppendResult, error) {
	raw, err := s.readRaw(ctx, s.prefix+stream, kurrentdb.Forwards, kurrentdb.Revision(revision), 1)
	if err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("kurrent: append to %q was acknowledged; reading it back: %w", stream, translate(ctx, "read", "", err))
	}
	if len(raw) != 1 || raw[0].EventNumber != revision || raw[0].EventID.String() != id {
		return eventstore.AppendResult{}, fmt.Errorf("kurrent: append to %q was acknowledged but revision %d does not hold event %s", stream, revision, id)
	}
	pos, err := position(raw[0].Position)
	if err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("kurrent: append to %q: %w", stream, err)
	}
	return eventstore.AppendResult{NextRevision: revision, Position: pos}, nil
}

// readRaw reads up to count events of a KurrentDB stream. A missing stream
// is the client's error (see missing).
func (s *Store) readRaw(ctx context.Context, name string, dir kurrentdb.Direction, from kurrentdb.StreamPosition, count uint64) ([]*kurrentdb.RecordedEvent, error) {
	rs, err := s.client.ReadStream(ctx, name, kurrentdb.ReadStreamOptions{Direction: dir, From: from}, count)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []*kurrentdb.RecordedEvent
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		// Our streams never hold links, so the original event is the event.
		out = append(out, ev.OriginalEvent())
	}
}

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	if err := s.limits.ValidateStreamID(stream); err != nil {
		return nil, err
	}
	if err := s.begin(); err != nil {
		return nil, err
	}
	defer s.inflight.Done()

	count := uint64(math.MaxInt64) // "all", kept in signed 64-bit range in case the server casts the count
	if opts.Limit > 0 {
		count = uint64(opts.Limit)
	}
	dir, from := kurrentdb.Forwards, kurrentdb.StreamPosition(kurrentdb.Revision(opts.From))
	switch {
	case opts.Direction == eventstore.Backwards:
		dir = kurrentdb.Backwards
		if opts.From == eventstore.End {
			from = kurrentdb.End{}
		}
	case opts.From == eventstore.End:
		// Forwards from the end is empty for a stream that exists; ask for
		// its last event only to tell that from a missing stream.
		dir, from, count = kurrentdb.Backwards, kurrentdb.End{}, 1
	}
	raw, err := s.readRaw(ctx, s.prefix+stream, dir, from, count)
	if err != nil {
		return nil, translate(ctx, "read", stream, err)
	}
	if len(raw) == 0 && opts.From == 0 {
		// KurrentDB answers "not found" for streams never written, but a
		// stream whose events were all truncated reads as empty.
		return nil, &eventstore.StreamNotFoundError{Stream: stream}
	}
	if opts.Direction == eventstore.Forwards && opts.From == eventstore.End {
		return []eventstore.RecordedEvent{}, nil
	}
	out := make([]eventstore.RecordedEvent, 0, len(raw))
	for _, r := range raw {
		e, err := decode(r, s.prefix)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// ReadAll implements eventstore.Store. A limit of zero or less reads to the
// end. System events and other namespaces are skipped, so a page may take
// several reads of $all.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if err := s.begin(); err != nil {
		return nil, err
	}
	defer s.inflight.Done()
	limit = eventstore.PageLimit(limit)
	var out []eventstore.RecordedEvent
	cursor := allPosition(after)
	for {
		// The read from a position includes the event at it; ask one more.
		want := uint64(min(limit-len(out), s.batch)) + 1
		rs, err := s.client.ReadAll(ctx, kurrentdb.ReadAllOptions{Direction: kurrentdb.Forwards, From: cursor}, want)
		if err != nil {
			return nil, translate(ctx, "read $all", "", err)
		}
		n, err := s.drainAll(rs, after, limit, &out, &cursor)
		rs.Close()
		if err != nil {
			return nil, translate(ctx, "read $all", "", err)
		}
		if len(out) >= limit || uint64(n) < want {
			return out, nil
		}
	}
}

// drainAll reads one page of $all into out, skipping what is at or before
// after and what is not ours, and moves cursor to the last raw event read.
// It returns how many raw events it read.
func (s *Store) drainAll(rs *kurrentdb.ReadStream, after eventstore.Position, limit int, out *[]eventstore.RecordedEvent, cursor *kurrentdb.AllPosition) (int, error) {
	n := 0
	for len(*out) < limit {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
		r := ev.OriginalEvent()
		*cursor = r.Position
		if r.Position.Commit <= uint64(after) || !visible(r, s.prefix) {
			continue
		}
		e, err := decode(r, s.prefix)
		if err != nil {
			return n, err
		}
		if e.Position <= after {
			continue
		}
		*out = append(*out, e)
	}
	return n, nil
}

// Head implements eventstore.Store: the position of the last event of the
// namespace, found by reading $all backwards past system events.
func (s *Store) Head(ctx context.Context) (eventstore.Position, error) {
	if err := s.begin(); err != nil {
		return 0, err
	}
	defer s.inflight.Done()
	var from kurrentdb.AllPosition = kurrentdb.End{}
	const page = 64
	for {
		rs, err := s.client.ReadAll(ctx, kurrentdb.ReadAllOptions{Direction: kurrentdb.Backwards, From: from}, page)
		if err != nil {
			return 0, translate(ctx, "head", "", err)
		}
		n := 0
		for {
			ev, err := rs.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rs.Close()
				return 0, translate(ctx, "head", "", err)
			}
			n++
			r := ev.OriginalEvent()
			if visible(r, s.prefix) {
				rs.Close()
				return position(r.Position)
			}
			from = r.Position
		}
		rs.Close()
		if n < page {
			return eventstore.Start, nil
		}
		// Whether or not the next page repeats the event at from, that
		// event is not visible, and the page still moves on.
	}
}
