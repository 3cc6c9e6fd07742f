package cache

import (
	"context"
	"maps"
	"strings"
	"sync"
	"time"
)

// Memory is the in-process Cache. Expired entries are dropped when read
// and swept every sweepEvery writes, so memory follows the live set.
type Memory struct {
	now func() time.Time

	mu       sync.RWMutex
	entries  map[string]*entry
	counters map[string]map[string]Group
	writes   int
}

// entry is a versioned value and its floor; hasValue false is a floor only.
type entry struct {
	value    []byte
	rev      uint64
	hasValue bool
	floor    uint64
	hasFloor bool
	expires  time.Time
}

const sweepEvery = 4096

// NewMemory returns an empty cache; now is the clock (nil: time.Now).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, entries: map[string]*entry{}, counters: map[string]map[string]Group{}}
}

var _ Cache = (*Memory)(nil)

func (m *Memory) Load(_ context.Context, key string) ([]byte, uint64, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	e, ok := m.entries[key]
	if !ok || !e.hasValue || !m.now().Before(e.expires) {
		return nil, 0, false, nil
	}
	// Values are never changed in place (Fill stores a copy), so sharing
	// is safe as long as callers do not write to it; the port says
	// nothing, so hand out a copy.
	return append([]byte(nil), e.value...), e.rev, true, nil
}

func (m *Memory) Fill(_ context.Context, key string, rev uint64, value []byte, ttl time.Duration) (bool, error) {
	if err := CheckFill(key, ttl); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	e := m.live(key, now)
	if e != nil && ((e.hasFloor && rev < e.floor) || (e.hasValue && rev < e.rev)) {
		return false, nil
	}
	if e == nil {
		e = &entry{}
		m.entries[key] = e
	}
	e.value, e.rev, e.hasValue, e.expires = append([]byte(nil), value...), rev, true, now.Add(ttl)
	m.wrote(now)
	return true, nil
}

func (m *Memory) Invalidate(_ context.Context, key string, rev uint64, ttl time.Duration) error {
	if err := CheckFill(key, ttl); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	e := m.live(key, now)
	if e == nil {
		e = &entry{}
		m.entries[key] = e
	}
	if !e.hasFloor || rev > e.floor {
		e.floor, e.hasFloor = rev, true
	}
	if e.hasValue && e.rev < rev {
		e.value, e.rev, e.hasValue = nil, 0, false
	}
	e.expires = now.Add(ttl)
	m.wrote(now)
	return nil
}

// live returns key's entry unless it expired (then it is deleted).
func (m *Memory) live(key string, now time.Time) *entry {
	e, ok := m.entries[key]
	if !ok {
		return nil
	}
	if !now.Before(e.expires) {
		delete(m.entries, key)
		return nil
	}
	return e
}

// wrote counts a write and sweeps expired entries now and then.
func (m *Memory) wrote(now time.Time) {
	m.writes++
	if m.writes%sweepEvery != 0 {
		return
	}
	maps.DeleteFunc(m.entries, func(_ string, e *entry) bool { return !now.Before(e.expires) })
}

func (m *Memory) Add(_ context.Context, key, group string, rev uint64, deltas map[string]int64) (bool, error) {
	if err := CheckAdd(key, group, deltas); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	gs := m.counters[key]
	g, ok := gs[group]
	if ok && rev <= g.Rev {
		return false, nil
	}
	if g.Values == nil {
		g.Values = make(map[string]int64, len(deltas))
	}
	for f, d := range deltas {
		g.Values[f] += d // Counters hands out copies: changing in place is safe
	}
	if gs == nil {
		gs = map[string]Group{}
		m.counters[key] = gs
	}
	g.Rev = rev
	gs[group] = g
	return true, nil
}

func (m *Memory) Counters(_ context.Context, keys ...string) ([]map[string]Group, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]map[string]Group, len(keys))
	for i, k := range keys {
		gs := make(map[string]Group, len(m.counters[k]))
		for name, g := range m.counters[k] {
			gs[name] = Group{Rev: g.Rev, Values: maps.Clone(g.Values)}
		}
		out[i] = gs
	}
	return out, nil
}

func (m *Memory) Clear(_ context.Context, prefix string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	has := func(k string) bool { return strings.HasPrefix(k, prefix) }
	maps.DeleteFunc(m.entries, func(k string, _ *entry) bool { return has(k) })
	maps.DeleteFunc(m.counters, func(k string, _ map[string]Group) bool { return has(k) })
	return nil
}

func (m *Memory) Ping(context.Context) error { return nil }
