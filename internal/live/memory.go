package live

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Memory is the in-process fan-out: one process's subscribers, each
// channel's history in memory.
type Memory struct {
	opts Options
	hub  *Hub
	now  func() time.Time

	mu       sync.Mutex
	channels map[string]*history
	writes   int
}

type history struct {
	msgs    []Message // by ID
	cut     uint64    // the highest ID dropped from msgs
	expires time.Time
}

// NewMemory returns an in-process fan-out; now is the clock (nil:
// time.Now).
func NewMemory(o Options, now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	o = o.WithDefaults()
	return &Memory{opts: o, hub: NewHub(o.Buffer), now: now, channels: map[string]*history{}}
}

var _ Fanout = (*Memory)(nil)

func (m *Memory) Publish(ctx context.Context, msgs ...Message) error {
	for _, msg := range msgs {
		if !Valid(msg.Channel) {
			return ErrInvalid
		}
	}
	for _, msg := range msgs {
		m.record(msg)
		m.hub.Dispatch(msg)
	}
	return nil
}

func (m *Memory) record(msg Message) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.writes++
	if m.writes%1024 == 0 { // forget idle channels now and then
		for ch, h := range m.channels {
			if !now.Before(h.expires) {
				delete(m.channels, ch)
			}
		}
	}
	h := m.channels[msg.Channel]
	if h == nil || !now.Before(h.expires) {
		h = &history{}
		m.channels[msg.Channel] = h
	}
	h.expires = now.Add(m.opts.Keep)
	i, found := slices.BinarySearchFunc(h.msgs, msg.ID, func(x Message, id uint64) int {
		switch {
		case x.ID < id:
			return -1
		case x.ID > id:
			return 1
		}
		return 0
	})
	if found || msg.ID <= h.cut {
		return // a repeat, or older than what was already dropped
	}
	h.msgs = slices.Insert(h.msgs, i, msg)
	if over := len(h.msgs) - m.opts.History; over > 0 {
		h.cut = max(h.cut, h.msgs[over-1].ID)
		h.msgs = slices.Delete(h.msgs, 0, over)
	}
}

func (m *Memory) Subscribe(ctx context.Context, channel string, after uint64) (*Subscription, error) {
	return m.hub.Subscribe(ctx, channel, after, func(context.Context) ([]Message, bool, error) {
		m.mu.Lock()
		defer m.mu.Unlock()
		h := m.channels[channel]
		if h == nil || !m.now().Before(h.expires) {
			return nil, true, nil
		}
		return slices.Clone(h.msgs), after >= h.cut, nil
	})
}

// Close ends every subscription; Publish keeps recording.
func (m *Memory) Close() error {
	m.hub.Close()
	return nil
}

// Subscribers counts this process's subscriptions.
func (m *Memory) Subscribers() int { return m.hub.Subscribers() }
