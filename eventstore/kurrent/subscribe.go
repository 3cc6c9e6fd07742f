package kurrent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kurrent-io/KurrentDB-Client-Go/kurrentdb"

	"github.com/souq-market/souq/eventstore"
)

// handleError carries handle's own error out of the pump, so Subscribe can
// return it as is and never mistake it for a dropped subscription.
type handleError struct{ err error }

func (e *handleError) Error() string { return e.err.Error() }
func (e *handleError) Unwrap() error { return e.err }

// Subscribe implements eventstore.Store with the client's catch-up
// subscription to $all, re-opened from the last delivered position when it
// drops. It returns ctx.Err() when ctx ends, handle's error, ErrClosed when
// the store closes, or an error that re-subscribing cannot cure (an event
// this package cannot read).
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position, handle func([]eventstore.RecordedEvent) error) error {
	if err := s.begin(); err != nil {
		return err
	}
	defer s.inflight.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // Close ends every subscription
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()

	delay := s.backoff
	for {
		start := after
		err := s.subscribeOnce(ctx, &after, handle)
		var he *handleError
		switch {
		case errors.As(err, &he):
			return he.err
		case ctx.Err() != nil:
			if s.isClosed() {
				return eventstore.ErrClosed
			}
			return ctx.Err()
		case errors.Is(err, errForeign) || errors.Is(err, errPosition):
			return err
		}
		if after != start {
			delay = s.backoff // it made progress: the next drop starts over
		}
		s.log.Warn("subscription to $all dropped; resubscribing", "after", uint64(after), "in", delay, "err", err)
		select {
		case <-ctx.Done():
			continue // reported by the switch above
		case <-time.After(delay):
		}
		delay = min(delay*2, 10*s.backoff)
	}
}

func (s *Store) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// filter is the server-side filter of the subscription: the namespace, or
// (without one) every event type not starting with "$".
func (s *Store) filter() *kurrentdb.SubscriptionFilter {
	if s.prefix == "" {
		return kurrentdb.ExcludeSystemEventsFilter()
	}
	return &kurrentdb.SubscriptionFilter{Type: kurrentdb.StreamFilterType, Prefixes: []string{s.prefix}}
}

// subscribeOnce runs one subscription until it drops, moving *after past
// every batch handle accepted.
func (s *Store) subscribeOnce(ctx context.Context, after *eventstore.Position, handle func([]eventstore.RecordedEvent) error) error {
	sub, err := s.client.SubscribeToAll(ctx, kurrentdb.SubscribeToAllOptions{From: allPosition(*after), Filter: s.filter()})
	if err != nil {
		return translate(ctx, "subscribe", "", err)
	}
	in := make(chan *kurrentdb.SubscriptionEvent, s.batch)
	quit := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		for {
			ev := sub.Recv()
			select {
			case in <- ev:
			case <-quit:
				return
			}
			if ev.SubscriptionDropped != nil {
				return
			}
		}
	}()
	defer func() {
		close(quit)
		_ = sub.Close() // makes Recv return, so the goroutine ends
		<-exited
	}()
	return s.pump(ctx, in, after, handle)
}

// pump hands the events arriving on in to handle in batches: it takes what
// has arrived, up to BatchSize, without waiting for more. It returns when the
// subscription drops (its error), ctx ends, or handle fails (*handleError).
func (s *Store) pump(ctx context.Context, in <-chan *kurrentdb.SubscriptionEvent, after *eventstore.Position, handle func([]eventstore.RecordedEvent) error) error {
	var batch []eventstore.RecordedEvent
	for {
		var ev *kurrentdb.SubscriptionEvent
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev = <-in:
		}
		var dropped error
		for {
			if d := ev.SubscriptionDropped; d != nil {
				dropped = d.Error
				if dropped == nil {
					dropped = errors.New("kurrent: subscription dropped")
				}
				break
			}
			if a := ev.EventAppeared; a != nil {
				r := a.OriginalEvent()
				last := *after
				if len(batch) > 0 {
					last = batch[len(batch)-1].Position
				}
				if r.Position.Commit > uint64(last) && visible(r, s.prefix) {
					e, err := decode(r, s.prefix)
					if err != nil {
						return err
					}
					batch = append(batch, e)
				}
			}
			if len(batch) >= s.batch {
				break
			}
			select {
			case ev = <-in:
				continue
			default:
			}
			break
		}
		if len(batch) > 0 {
			if err := handle(batch); err != nil {
				return &handleError{err: err}
			}
			*after = batch[len(batch)-1].Position
			batch = nil
		}
		if dropped != nil {
			return translate(ctx, "subscription", "", fmt.Errorf("dropped: %w", dropped))
		}
	}
}
