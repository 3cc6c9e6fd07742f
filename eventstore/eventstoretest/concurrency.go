package eventstoretest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
)

func (s suite) testConcurrentAppenders(t *testing.T) {
	c := s.begin(t)
	stream := c.stream("order-hot")
	const workers, attempts = 16, 30
	var (
		mu        sync.Mutex
		wins      = map[uint64][]string{} // revision → IDs of appends that won it
		conflicts int
		wg        sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			for a := range attempts {
				expected, next := eventstore.NoStream, uint64(0)
				last, err := c.st.ReadStream(c.ctx, stream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: eventstore.End, Limit: 1})
				switch {
				case errors.Is(err, eventstore.ErrStreamNotFound):
				case err != nil || len(last) != 1:
					t.Errorf("worker %d: reading the last event: %d events, %v", w, len(last), err)
					return
				default:
					expected, next = eventstore.Exact(last[0].StreamRevision), last[0].StreamRevision+1
				}
				e := event("test.raced", fmt.Sprintf(`{"worker":%d,"attempt":%d}`, w, a))
				r, err := c.st.Append(c.ctx, stream, expected, []eventstore.EventData{e})
				var ce *eventstore.ConflictError
				switch {
				case err == nil:
					if r.NextRevision != next {
						t.Errorf("worker %d: append expecting %v landed at revision %d", w, expected, r.NextRevision)
					}
					mu.Lock()
					wins[r.NextRevision] = append(wins[r.NextRevision], e.ID)
					mu.Unlock()
				case errors.As(err, &ce):
					// Someone else won this revision since we read it.
					if !ce.StreamExists || (!expected.IsNoStream() && ce.Actual < next) {
						t.Errorf("worker %d: conflict %+v after expecting %v: the stream cannot have gone back", w, *ce, expected)
					}
					mu.Lock()
					conflicts++
					mu.Unlock()
				default:
					t.Errorf("worker %d: append: %v, want success or a *ConflictError", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	got := c.read(stream, eventstore.ReadStreamOptions{})
	if len(got) != len(wins) || len(got)+conflicts != workers*attempts {
		t.Fatalf("%d events in the stream, %d revisions won, %d conflicts, of %d attempts", len(got), len(wins), conflicts, workers*attempts)
	}
	for i, e := range got {
		w := wins[uint64(i)]
		if e.StreamRevision != uint64(i) || len(w) != 1 || w[0] != e.ID {
			t.Errorf("revision %d: event %s at revision %d, winners %v: exactly one append must win each revision", i, e.ID, e.StreamRevision, w)
		}
	}
	t.Logf("%d workers × %d attempts: %d won, %d conflicts", workers, attempts, len(got), conflicts)
}

// sub is a running subscription that collects what it is handed.
type sub struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error // Subscribe's result, once done is closed

	mu     sync.Mutex
	events []eventstore.RecordedEvent // this case's events only
	bad    []string                   // violations seen inside handle
}

func (c *tcase) subscribe(after eventstore.Position) *sub {
	ctx, cancel := context.WithCancel(c.ctx)
	s := &sub{cancel: cancel, done: make(chan struct{})}
	last := after
	go func() {
		defer close(s.done)
		s.err = c.st.Subscribe(ctx, after, func(batch []eventstore.RecordedEvent) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			for _, e := range batch {
				if e.Position <= last {
					s.bad = append(s.bad, fmt.Sprintf("position %d handed out after %d", e.Position, last))
				}
				last = e.Position
				if c.mine(e) {
					s.events = append(s.events, e)
				}
			}
			return nil
		})
	}()
	c.Cleanup(func() { cancel(); <-s.done })
	return s
}

// waitFor waits until the subscription has at least n events and returns
// them, or fails the case after timeout.
func (s *sub) waitFor(t testing.TB, n int, timeout time.Duration) []eventstore.RecordedEvent {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		got := slices.Clone(s.events)
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-s.done:
			t.Fatalf("subscription ended with %v after %d of %d events", s.err, len(got), n)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscription has %d of %d events after %v", len(got), n, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop cancels the subscription and checks that it ended with ctx's error.
func (s *sub) stop(t testing.TB) []eventstore.RecordedEvent {
	t.Helper()
	s.cancel()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Subscribe did not return within 10s of its context being cancelled")
	}
	if !errors.Is(s.err, context.Canceled) {
		t.Errorf("Subscribe returned %v after cancel, want context.Canceled", s.err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.bad {
		t.Error(b)
	}
	return slices.Clone(s.events)
}

const subscribeTimeout = 30 * time.Second

func (s suite) testTail(t *testing.T) {
	c := s.begin(t)
	const streams, perStream = 8, 24
	total := streams * perStream
	first := c.subscribe(c.base)

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		written = map[string][]string{} // stream → IDs in revision order
	)
	for i := range streams {
		stream := c.stream(fmt.Sprintf("order-%d", i))
		wg.Go(func() {
			expected := eventstore.NoStream
			for n, k := 0, 0; n < perStream; k++ {
				size := min(1+(i+k)%3, perStream-n)
				evs := batch(n, size)
				r, err := c.st.Append(c.ctx, stream, expected, evs)
				if err != nil {
					t.Errorf("append to %s: %v", stream, err)
					return
				}
				n += size
				expected = eventstore.Exact(r.NextRevision)
				mu.Lock()
				written[stream] = append(written[stream], ids(evs)...)
				mu.Unlock()
			}
		})
	}
	// A second subscriber joins mid-way from a position the first has seen.
	early := first.waitFor(t, total/3, subscribeTimeout)
	from := early[total/3-1].Position
	second := c.subscribe(from)
	wg.Wait()
	if t.Failed() {
		return
	}

	first.waitFor(t, total, subscribeTimeout)
	all := c.readAll(c.base)
	var suffix []eventstore.RecordedEvent
	for _, e := range all {
		if e.Position > from {
			suffix = append(suffix, e)
		}
	}
	second.waitFor(t, len(suffix), subscribeTimeout)
	seen := first.stop(t)
	late := second.stop(t)

	// Every event exactly once, per stream in revision order.
	once := map[string]bool{}
	perStreamSeen := map[string][]string{}
	for _, e := range seen {
		if once[e.ID] {
			t.Errorf("event %s handed out twice", e.ID)
		}
		once[e.ID] = true
		if got := uint64(len(perStreamSeen[e.StreamID])); e.StreamRevision != got {
			t.Errorf("stream %s: revision %d handed out where %d was due", e.StreamID, e.StreamRevision, got)
		}
		perStreamSeen[e.StreamID] = append(perStreamSeen[e.StreamID], e.ID)
	}
	for stream, want := range written {
		if !slices.Equal(perStreamSeen[stream], want) {
			t.Errorf("stream %s: subscriber saw %d events, %d written (or in another order)", stream, len(perStreamSeen[stream]), len(want))
		}
	}
	if len(seen) != total {
		t.Errorf("subscriber saw %d events, %d were written", len(seen), total)
	}
	c.sameEvents("subscriber from the start vs ReadAll", seen, all)
	c.sameEvents("subscriber from mid-way vs the suffix of ReadAll", late, suffix)

	head := c.head()
	if last := all[len(all)-1].Position; (!c.shared && head != last) || head < last {
		t.Errorf("Head %d, the last event is at %d", head, last)
	}
}

func (s suite) testReadAll(t *testing.T) {
	c := s.begin(t)
	var written []string
	for i, n := range []int{1, 3, 2, 4} {
		evs := batch(10*i, n)
		c.append(c.stream(fmt.Sprintf("order-%d", i%3)), eventstore.Any, evs...)
		written = append(written, ids(evs)...)
	}
	all := c.readAll(c.base)
	if !slices.Equal(ids(all), written) {
		t.Fatalf("ReadAll after sequential appends: %v, want %v", ids(all), written)
	}
	for k := range all {
		c.sameEvents(fmt.Sprintf("ReadAll after event %d", k), c.readAll(all[k].Position), all[k+1:])
	}
	c.sameEvents("ReadAll in pages of 3", c.readAllPaged(c.base, 3), all)
	c.sameEvents("ReadAll in pages of 1", c.readAllPaged(c.base, 1), all)
	head := c.head()
	last := all[len(all)-1].Position
	if c.shared {
		if head < last {
			t.Errorf("Head %d is before the last event at %d", head, last)
		}
		return
	}
	if head != last {
		t.Errorf("Head %d, the last event is at %d", head, last)
	}
	if got, err := c.st.ReadAll(c.ctx, head, 10); err != nil || len(got) != 0 {
		t.Errorf("ReadAll after Head: %d events, %v; want none", len(got), err)
	}
	if got, err := c.st.ReadAll(c.ctx, eventstore.Start, 2); err != nil || !slices.Equal(ids(got), written[:2]) {
		t.Errorf("ReadAll(Start, 2): %v, %v; want %v", ids(got), err, written[:2])
	}
}

func (s suite) testSubscribeEnds(t *testing.T) {
	t.Run("Cancel", func(t *testing.T) {
		c := s.begin(t)
		evs := batch(0, 3)
		c.append(c.stream("order-1"), eventstore.NoStream, evs...)
		sb := c.subscribe(c.base)
		sb.waitFor(t, 3, subscribeTimeout)
		if got := sb.stop(t); !slices.Equal(ids(got), ids(evs)) {
			t.Errorf("subscriber saw %v, want %v", ids(got), ids(evs))
		}
	})
	t.Run("Deadline", func(t *testing.T) {
		c := s.begin(t)
		ctx, cancel := context.WithTimeout(c.ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := c.st.Subscribe(ctx, c.base, func([]eventstore.RecordedEvent) error { return nil })
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Subscribe with an expiring context returned %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Subscribe returned %v after its deadline", d)
		}
	})
	t.Run("AlreadyCancelled", func(t *testing.T) {
		c := s.begin(t)
		c.append(c.stream("order-1"), eventstore.NoStream, batch(0, 2)...)
		ctx, cancel := context.WithCancel(c.ctx)
		cancel()
		done := make(chan error, 1)
		go func() {
			done <- c.st.Subscribe(ctx, c.base, func([]eventstore.RecordedEvent) error { return nil })
		}()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Subscribe with a cancelled context returned %v, want context.Canceled", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Subscribe with a cancelled context did not return")
		}
	})
	t.Run("HandleFails", func(t *testing.T) {
		c := s.begin(t)
		c.append(c.stream("order-1"), eventstore.NoStream, batch(0, 3)...)
		boom := errors.New("projection exploded")
		done := make(chan error, 1)
		go func() {
			done <- c.st.Subscribe(c.ctx, c.base, func(b []eventstore.RecordedEvent) error {
				for _, e := range b {
					if c.mine(e) {
						return fmt.Errorf("handling %s: %w", e.ID, boom)
					}
				}
				return nil
			})
		}()
		select {
		case err := <-done:
			if !errors.Is(err, boom) {
				t.Errorf("Subscribe returned %v, want handle's error", err)
			}
		case <-time.After(subscribeTimeout):
			t.Fatal("Subscribe did not return after handle failed")
		}
	})
	t.Run("LiveAfterIdle", func(t *testing.T) {
		c := s.begin(t)
		sb := c.subscribe(c.base)
		time.Sleep(50 * time.Millisecond) // let it catch up and wait
		evs := batch(0, 2)
		c.append(c.stream("order-1"), eventstore.NoStream, evs...)
		sb.waitFor(t, 2, subscribeTimeout)
		time.Sleep(20 * time.Millisecond)
		c.append(c.stream("order-1"), eventstore.Exact(1), batch(2, 1)...)
		sb.waitFor(t, 3, subscribeTimeout)
		if got := sb.stop(t); len(got) != 3 || !slices.Equal(ids(got[:2]), ids(evs)) {
			t.Errorf("subscriber saw %v", ids(got))
		}
	})
}

// testConcurrentRetry races copies of one append, as a client that timed out
// and retried while its first attempt was still in flight would: exactly one
// writes, every other copy is recognised as its retry, never an error.
func (s suite) testConcurrentRetry(t *testing.T) {
	c := s.begin(t)
	const copies = 8
	for round, expected := range []eventstore.ExpectedRevision{eventstore.NoStream, eventstore.Any} {
		stream := c.stream(fmt.Sprintf("order-%d", round))
		evs := batch(0, 3)
		results := make([]eventstore.AppendResult, copies)
		errs := make([]error, copies)
		var wg sync.WaitGroup
		for i := range copies {
			wg.Go(func() { results[i], errs[i] = c.st.Append(c.ctx, stream, expected, evs) })
		}
		wg.Wait()
		for i := range copies {
			if errs[i] != nil || results[i] != results[0] {
				t.Errorf("copy %d of an append expecting %v: %+v, %v; want %+v like copy 0", i, expected, results[i], errs[i], results[0])
			}
		}
		if got := c.read(stream, eventstore.ReadStreamOptions{}); !slices.Equal(ids(got), ids(evs)) {
			t.Errorf("stream after racing copies: %v, want %v once", ids(got), ids(evs))
		}
	}

	// The same event ID raced into different streams: one stream gets it,
	// the others are told it is taken.
	if s.h.IDsPerStream {
		t.Log("one ID raced into several streams: skipped, the backend keeps event IDs unique per stream only (Harness.IDsPerStream)")
		return
	}
	e := event("order.placed", `{}`)
	errs := make([]error, copies)
	var wg sync.WaitGroup
	for i := range copies {
		wg.Go(func() {
			_, errs[i] = c.st.Append(c.ctx, c.stream(fmt.Sprintf("race-%d", i)), eventstore.NoStream, []eventstore.EventData{e})
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, eventstore.ErrIDReuse):
			t.Errorf("stream race-%d: %v, want success or ErrIDReuse", i, err)
		}
	}
	if n := len(c.readAll(c.base)); won != 1 || n != 7 {
		t.Errorf("one ID raced into %d streams: %d appends won, $all holds %d events; want 1 and 7", copies, won, n)
	}
}
