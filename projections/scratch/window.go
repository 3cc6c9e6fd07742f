package scratch

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/souq-market/souq/eventstore"
)

// Window is a store as a scratch view sees it: only the events at
// positions from to to, both included, and a head no later than to. To can
// be raised while a runner follows the window; it never shows an event
// past to.
type Window struct {
	eventstore.Store
	from   eventstore.Position
	to     atomic.Uint64
	raised eventstore.Signal
}

// NewWindow cuts st to positions from..to (a from of 0 reads as 1, the
// first position).
func NewWindow(st eventstore.Store, from, to eventstore.Position) *Window {
	w := &Window{Store: st, from: max(from, 1)}
	w.to.Store(uint64(to))
	return w
}

// To is the last position the window shows.
func (w *Window) To() eventstore.Position { return eventstore.Position(w.to.Load()) }

// Raise moves the end of the window to to (never back) and wakes its
// followers.
func (w *Window) Raise(to eventstore.Position) {
	for {
		cur := w.to.Load()
		if uint64(to) <= cur || w.to.CompareAndSwap(cur, uint64(to)) {
			break
		}
	}
	w.raised.Notify()
}

// ReadAll reads inside the window only.
func (w *Window) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	to := w.To()
	after = max(after, w.from-1)
	if after >= to {
		return nil, nil
	}
	events, err := w.Store.ReadAll(ctx, after, limit)
	for i, e := range events {
		if e.Position > to {
			return events[:i], err
		}
	}
	return events, err
}

// Head is the store's head, or the window's end when that comes first.
func (w *Window) Head(ctx context.Context) (eventstore.Position, error) {
	h, err := w.Store.Head(ctx)
	return min(h, w.To()), err
}

// Subscribe follows the window: what it shows, then each raise of its end.
func (w *Window) Subscribe(ctx context.Context, after eventstore.Position, handle func([]eventstore.RecordedEvent) error) error {
	return eventstore.Follow(ctx, after, eventstore.FollowOptions{Poll: time.Second}, w.ReadAll, w.raised.Wait, handle)
}
