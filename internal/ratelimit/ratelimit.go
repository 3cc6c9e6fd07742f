package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Policy is a budget: Limit requests per Window and key.
type Policy struct {
	Limit  int
	Window time.Duration
}

// Check refuses a policy that cannot limit anything.
func (p Policy) Check() error {
	if p.Limit < 1 || p.Window < time.Millisecond {
		return fmt.Errorf("ratelimit: policy %d per %s: want at least 1 per 1ms", p.Limit, p.Window)
	}
	return nil
}

// Decision is the answer for one request.
type Decision struct {
	Allowed   bool
	Limit     int
	Remaining int           // requests left in this window after this one
	Reset     time.Duration // until the window ends and the budget refills
}

// Limiter counts requests per key. Allow counts the request and says
// whether it is within the budget; an error means the limiter could not
// tell (its store is down), and the caller decides whether to let it pass.
type Limiter interface {
	Allow(ctx context.Context, key string) (Decision, error)
}

// ErrEmptyKey: every request must be counted against something.
var ErrEmptyKey = errors.New("ratelimit: empty key")

// Memory is the in-process limiter of the embedded default: one fixed
// window per key, in a map swept of ended windows once per Window.
type Memory struct {
	policy Policy
	now    func() time.Time

	mu        sync.Mutex
	windows   map[string]*window
	lastSweep time.Time
}

type window struct {
	end   time.Time
	count int
}

// NewMemory returns an in-process limiter; now nil means time.Now.
func NewMemory(p Policy, now func() time.Time) (*Memory, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Memory{policy: p, now: now, windows: map[string]*window{}}, nil
}

// Allow counts a request against key.
func (m *Memory) Allow(_ context.Context, key string) (Decision, error) {
	if key == "" {
		return Decision{}, ErrEmptyKey
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.Sub(m.lastSweep) >= m.policy.Window {
		for k, w := range m.windows {
			if !now.Before(w.end) {
				delete(m.windows, k)
			}
		}
		m.lastSweep = now
	}
	w := m.windows[key]
	if w == nil || !now.Before(w.end) {
		w = &window{end: now.Add(m.policy.Window)}
		m.windows[key] = w
	}
	w.count++
	return decide(m.policy, w.count, w.end.Sub(now)), nil
}

// decide turns a window's count (this request included) into a Decision.
func decide(p Policy, count int, reset time.Duration) Decision {
	return Decision{Allowed: count <= p.Limit, Limit: p.Limit, Remaining: max(0, p.Limit-count), Reset: reset}
}

// Decide is decide for adapters: the decision for the count-th request of
// a window ending after reset.
func Decide(p Policy, count int, reset time.Duration) Decision { return decide(p, count, reset) }

// Len is the number of windows held, for tests and metrics.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.windows)
}
