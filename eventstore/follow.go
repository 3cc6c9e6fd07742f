package eventstore

import (
	"context"
	"sync"
	"time"
)

// Signal is a broadcast wake-up: Wait returns a channel that is closed by the
// next Notify. Backends notify after each commit; followers wait on it.
type Signal struct {
	mu sync.Mutex
	ch chan struct{}
}

// Wait returns a channel closed by the next Notify.
func (s *Signal) Wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// Notify wakes every current waiter.
func (s *Signal) Notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// FollowOptions tune the shared catch-up loop.
type FollowOptions struct {
	BatchSize int           // events per read; default 512
	Poll      time.Duration // re-read this often even without a wake-up; default 1s
}

// ReadAllFunc is a backend's ReadAll.
type ReadAllFunc func(ctx context.Context, after Position, limit int) ([]RecordedEvent, error)

// Follow is the subscription loop shared by backends whose live feed is only
// a wake-up: it reads after the last position handed out, hands each batch
// to handle, and when caught up waits for a wake-up or the poll interval.
// The source of truth is always ReadAll, so a lost wake-up delays an event by
// at most the poll interval and never loses it.
func Follow(ctx context.Context, after Position, opts FollowOptions, read ReadAllFunc, wake func() <-chan struct{}, handle func([]RecordedEvent) error) error {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 512
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	timer := time.NewTimer(opts.Poll)
	defer timer.Stop()
	for {
		woken := wake() // taken before the read, so a commit during it is not missed
		batch, err := read(ctx, after, opts.BatchSize)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if len(batch) > 0 {
			if err := handle(batch); err != nil {
				return err
			}
			after = batch[len(batch)-1].Position
			if len(batch) == opts.BatchSize {
				continue
			}
		}
		timer.Reset(opts.Poll)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-woken:
		case <-timer.C:
		}
	}
}
