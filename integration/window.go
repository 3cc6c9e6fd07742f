package integration

import "sync"

// Window drops duplicate deliveries by event ID with bounded memory: it
// remembers the last N distinct IDs it saw, first in first out (a window,
// not an LRU: seeing an ID again does not keep it longer). Redeliveries
// from souq come close behind the original (a batch republished after a
// crash or a broker timeout, or a consumer re-reading its uncommitted
// offsets), so a window of a few times the largest such batch makes them
// exact; an ID older than the window counts as new again.
//
// Memory is N IDs plus a map entry each: about 100 bytes per ID, so the
// default 65,536 costs ~6 MiB. A Window is safe for concurrent use.
type Window struct {
	mu   sync.Mutex
	seen map[string]struct{}
	ring []string
	next int
}

// DefaultWindow is the window size consumers should start from.
const DefaultWindow = 1 << 16

// NewWindow remembers the last n IDs (DefaultWindow when n ≤ 0).
func NewWindow(n int) *Window {
	if n <= 0 {
		n = DefaultWindow
	}
	return &Window{seen: make(map[string]struct{}, n), ring: make([]string, n)}
}

// First reports whether id is new within the window, and remembers it: a
// consumer that cannot fail handles the event when First is true. An empty
// ID is always new: it cannot be matched.
func (w *Window) First(id string) bool {
	if id == "" {
		return true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, dup := w.seen[id]; dup {
		return false
	}
	w.add(id)
	return true
}

// Seen reports whether the window holds id. With Add it serves a consumer
// whose handling may fail: skip when Seen, Add once handled, so a failed
// event is not mistaken for a duplicate when it comes again.
func (w *Window) Seen(id string) bool {
	if id == "" {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.seen[id]
	return ok
}

// Add remembers id (again: no effect).
func (w *Window) Add(id string) {
	if id == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.seen[id]; !ok {
		w.add(id)
	}
}

func (w *Window) add(id string) {
	if old := w.ring[w.next]; old != "" {
		delete(w.seen, old)
	}
	w.ring[w.next] = id
	w.seen[id] = struct{}{}
	w.next = (w.next + 1) % len(w.ring)
}

// Len is how many IDs the window holds now.
func (w *Window) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.seen)
}
