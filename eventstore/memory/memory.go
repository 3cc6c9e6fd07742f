package memory

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/souq-market/souq/eventstore"
)

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// Limits enforced on every append; zero means eventstore.DefaultLimits.
	Limits eventstore.Limits
	// Follow tunes subscriptions (batch size, poll interval).
	Follow eventstore.FollowOptions
	// Now stamps RecordedAt when an event arrives without one; default
	// time.Now. Tests pass a fixed clock.
	Now func() time.Time
}

// Store is an in-process eventstore.Store. It is safe for concurrent use.
type Store struct {
	limits eventstore.Limits
	follow eventstore.FollowOptions
	now    func() time.Time
	signal eventstore.Signal

	mu      sync.RWMutex
	closed  bool
	all     []eventstore.RecordedEvent // all[i].Position == i+1
	streams map[string][]int           // stream → indexes into all, by revision
	byID    map[string]int             // event ID → index into all
}

var _ eventstore.Store = (*Store)(nil)

// New returns an empty store.
func New(opts Options) *Store {
	if opts.Limits == (eventstore.Limits{}) {
		opts.Limits = eventstore.DefaultLimits
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{
		limits:  opts.Limits,
		follow:  opts.Follow,
		now:     opts.Now,
		streams: map[string][]int{},
		byID:    map[string]int{},
	}
}

// Append implements eventstore.Store.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData) (eventstore.AppendResult, error) {
	if err := s.limits.ValidateAppend(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return eventstore.AppendResult{}, eventstore.ErrClosed
	}

	// A retry is recognised before the expected revision is checked: the
	// first attempt may have moved the stream past what the caller expected.
	var existing []eventstore.RecordedEvent
	for _, e := range events {
		if i, ok := s.byID[e.ID]; ok {
			existing = append(existing, s.all[i])
		}
	}
	if len(existing) > 0 {
		return eventstore.MatchRetry(stream, events, existing)
	}

	revs := s.streams[stream]
	current := uint64(len(revs)) - 1 // wraps when empty; Check ignores it then
	if err := expected.Check(stream, current, len(revs) > 0); err != nil {
		return eventstore.AppendResult{}, err
	}

	stamp := s.now().UTC().Round(0) // no monotonic reading in stored times
	for _, e := range events {
		md := e.Metadata
		if md.RecordedAt.IsZero() {
			md.RecordedAt = stamp
		}
		idx := len(s.all)
		s.all = append(s.all, eventstore.RecordedEvent{
			ID:             e.ID,
			StreamID:       stream,
			StreamRevision: uint64(len(revs)),
			Position:       eventstore.Position(idx + 1),
			Type:           e.Type,
			SchemaVersion:  e.SchemaVersion,
			Data:           slices.Clone(e.Data), // the caller may reuse its buffer
			Metadata:       md,
		})
		revs = append(revs, idx)
		s.byID[e.ID] = idx
	}
	s.streams[stream] = revs
	s.signal.Notify()
	last := s.all[len(s.all)-1]
	return eventstore.AppendResult{NextRevision: last.StreamRevision, Position: last.Position}, nil
}

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	if err := s.limits.ValidateStreamID(stream); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, eventstore.ErrClosed
	}
	revs := s.streams[stream]
	if len(revs) == 0 {
		return nil, &eventstore.StreamNotFoundError{Stream: stream}
	}
	var out []eventstore.RecordedEvent
	take := func(rev uint64) bool {
		out = append(out, s.copyOf(revs[rev]))
		return opts.Limit <= 0 || len(out) < opts.Limit
	}
	last := uint64(len(revs) - 1)
	if opts.Direction == eventstore.Backwards {
		from := min(opts.From, last)
		for rev := from; ; rev-- {
			if !take(rev) || rev == 0 {
				break
			}
		}
		return out, nil
	}
	for rev := opts.From; rev <= last; rev++ {
		if !take(rev) {
			break
		}
	}
	return out, nil
}

// ReadAll implements eventstore.Store. A limit of zero or less reads
// everything after the position.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, eventstore.ErrClosed
	}
	if after >= eventstore.Position(len(s.all)) {
		return nil, nil
	}
	rest := min(len(s.all)-int(after), eventstore.PageLimit(limit))
	out := make([]eventstore.RecordedEvent, rest)
	for i := range out {
		out[i] = s.copyOf(int(after) + i)
	}
	return out, nil
}

// Subscribe implements eventstore.Store with the shared catch-up loop; every
// append wakes it, so it never waits for the poll interval.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position, handle func([]eventstore.RecordedEvent) error) error {
	return eventstore.Follow(ctx, after, s.follow, s.ReadAll, s.signal.Wait, handle)
}

// Head implements eventstore.Store.
func (s *Store) Head(ctx context.Context) (eventstore.Position, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, eventstore.ErrClosed
	}
	return eventstore.Position(len(s.all)), nil
}

// Close implements eventstore.Store. Later calls fail with
// eventstore.ErrClosed; subscriptions end with it at their next read.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.signal.Notify()
	return nil
}

// copyOf returns event i with its own copy of Data, so no reader can change
// what the store holds. Callers hold s.mu.
func (s *Store) copyOf(i int) eventstore.RecordedEvent {
	e := s.all[i]
	e.Data = slices.Clone(e.Data)
	return e
}
