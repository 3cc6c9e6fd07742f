package live

import (
	"context"
	"sync"
)

// Subscription is one subscriber of a channel.
type Subscription struct {
	// Backlog holds the kept messages after the ID subscribed after,
	// oldest first; send them before C's.
	Backlog []Message
	// Complete is false when messages after that ID may have been dropped
	// from the history: the subscriber should reload what it shows.
	Complete bool
	// C carries live messages and is closed when the subscription ends. It
	// may repeat messages of Backlog or earlier ones (a redelivery): skip
	// IDs not above the last one handled.
	C <-chan Message

	hub  *Hub
	s    *sub
	stop func() bool
}

// Err says why C was closed (nil while it is open, or after Close).
func (s *Subscription) Err() error {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return s.s.err
}

// Close ends the subscription; closing twice is harmless.
func (s *Subscription) Close() {
	s.stop()
	s.hub.end(s.s, nil)
}

type sub struct {
	channel string
	c       chan Message
	err     error
	done    bool
}

// Hub hands messages to this process's subscribers, by channel. It is the
// local half of every Fanout.
type Hub struct {
	buffer int

	mu     sync.Mutex
	subs   map[string]map[*sub]struct{}
	closed bool
}

// NewHub returns a hub whose subscribers may lag buffer messages.
func NewHub(buffer int) *Hub {
	if buffer <= 0 {
		buffer = 64
	}
	return &Hub{buffer: buffer, subs: map[string]map[*sub]struct{}{}}
}

// Subscribe registers a subscriber of channel, then reads its backlog with
// history (after > 0): registering first means no message published in
// between is lost, only perhaps repeated.
func (h *Hub) Subscribe(ctx context.Context, channel string, after uint64,
	history func(ctx context.Context) ([]Message, bool, error)) (*Subscription, error) {
	if !Valid(channel) {
		return nil, ErrInvalid
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &sub{channel: channel, c: make(chan Message, h.buffer)}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, ErrClosed
	}
	if h.subs[channel] == nil {
		h.subs[channel] = map[*sub]struct{}{}
	}
	h.subs[channel][s] = struct{}{}
	h.mu.Unlock()

	out := &Subscription{C: s.c, Complete: true, hub: h, s: s}
	if after > 0 && history != nil {
		msgs, complete, err := history(ctx)
		if err != nil {
			h.end(s, err)
			return nil, err
		}
		for _, m := range msgs {
			if m.ID > after {
				out.Backlog = append(out.Backlog, m)
			}
		}
		out.Complete = complete
	}
	// Ending with ctx needs no goroutine of ours until ctx is done.
	out.stop = context.AfterFunc(ctx, func() { h.end(s, context.Cause(ctx)) })
	return out, nil
}

// Dispatch hands m to the channel's subscribers without waiting: one whose
// buffer is full is ended with ErrSlow.
func (h *Hub) Dispatch(m Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[m.Channel] {
		select {
		case s.c <- m:
		default:
			h.endLocked(s, ErrSlow)
		}
	}
}

// Interrupt ends every subscription with err but keeps accepting new ones
// (a reconnected transport).
func (h *Hub) Interrupt(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.subs {
		for s := range set {
			h.endLocked(s, err)
		}
	}
}

// Close ends every subscription with ErrClosed and refuses new ones.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.Interrupt(ErrClosed)
}

// Subscribers counts the live subscriptions (for metrics and tests).
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, set := range h.subs {
		n += len(set)
	}
	return n
}

func (h *Hub) end(s *sub, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.endLocked(s, err)
}

func (h *Hub) endLocked(s *sub, err error) {
	if s.done {
		return
	}
	s.done, s.err = true, err
	close(s.c)
	set := h.subs[s.channel]
	delete(set, s)
	if len(set) == 0 {
		delete(h.subs, s.channel)
	}
}
