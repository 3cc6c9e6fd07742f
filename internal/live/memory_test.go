package live_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/souq-market/souq/internal/live"
	"github.com/souq-market/souq/internal/live/livetest"
)

func TestMemory(t *testing.T) {
	livetest.Run(t, func(t *testing.T, o live.Options) (live.Fanout, live.Fanout) {
		m := live.NewMemory(o, nil)
		t.Cleanup(func() { _ = m.Close() })
		return m, m
	})
}

// TestMemoryHistoryExpires: a channel idle for Keep forgets its history.
func TestMemoryHistoryExpires(t *testing.T) {
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	m := live.NewMemory(live.Options{Keep: time.Minute}, func() time.Time { return now })
	ctx := context.Background()
	_ = m.Publish(ctx, live.Message{ID: 5, Channel: "order:1", Type: "order.paid"})
	s, _ := m.Subscribe(ctx, "order:1", 1)
	if len(s.Backlog) != 1 {
		t.Fatalf("backlog %v", s.Backlog)
	}
	s.Close()
	now = now.Add(2 * time.Minute)
	if s, _ := m.Subscribe(ctx, "order:1", 1); len(s.Backlog) != 0 {
		t.Fatalf("expired history served: %v", s.Backlog)
	}
}

// TestNoGoroutineLeft: subscriptions ended by their context, by Close and
// by the fan-out's Close leave no goroutine behind.
func TestNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	m := live.NewMemory(live.Options{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	for i := range 100 {
		s, err := m.Subscribe(ctx, "order:1", 0)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			s.Close()
		}
	}
	cancel()
	_ = m.Close()
	if n := m.Subscribers(); n != 0 {
		t.Fatalf("%d subscribers left", n)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines, %d before", n, before)
	}
}
