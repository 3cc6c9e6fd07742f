// Package ratelimittest is the acceptance suite every Limiter passes: the
// 101st request of a minute is refused, windows reset, keys are separate,
// and concurrent requests never get more than the limit through.
//
// It may import the standard library and ratelimit. Tests only.
package ratelimittest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/souq-market/souq/internal/ratelimit"
)

// Factory returns a fresh limiter with policy p whose keys no other test
// sees (namespace them per test).
type Factory func(t *testing.T, p ratelimit.Policy) ratelimit.Limiter

// Run runs the suite.
func Run(t *testing.T, newLimiter Factory) {
	ctx := context.Background()
	t.Run("101st request in a minute is refused", func(t *testing.T) {
		l := newLimiter(t, ratelimit.Policy{Limit: 100, Window: time.Minute})
		for i := 1; i <= 100; i++ {
			d, err := l.Allow(ctx, "user:u-1")
			if err != nil || !d.Allowed || d.Remaining != 100-i || d.Limit != 100 {
				t.Fatalf("request %d: %+v %v", i, d, err)
			}
			if d.Reset <= 0 || d.Reset > time.Minute {
				t.Fatalf("request %d: reset in %v", i, d.Reset)
			}
		}
		d, err := l.Allow(ctx, "user:u-1")
		if err != nil || d.Allowed || d.Remaining != 0 {
			t.Fatalf("101st: %+v %v", d, err)
		}
		if d, _ := l.Allow(ctx, "user:u-2"); !d.Allowed {
			t.Fatal("another key shares the budget")
		}
	})
	t.Run("windows reset", func(t *testing.T) {
		p := ratelimit.Policy{Limit: 3, Window: 300 * time.Millisecond}
		l := newLimiter(t, p)
		for range 3 {
			if d, err := l.Allow(ctx, "ip:192.0.2.1"); err != nil || !d.Allowed {
				t.Fatalf("%+v %v", d, err)
			}
		}
		d, _ := l.Allow(ctx, "ip:192.0.2.1")
		if d.Allowed {
			t.Fatal("4th of 3 allowed")
		}
		time.Sleep(d.Reset + 50*time.Millisecond)
		if d, err := l.Allow(ctx, "ip:192.0.2.1"); err != nil || !d.Allowed || d.Remaining != 2 {
			t.Fatalf("after the window: %+v %v", d, err)
		}
	})
	t.Run("concurrent requests never exceed the limit", func(t *testing.T) {
		l := newLimiter(t, ratelimit.Policy{Limit: 100, Window: time.Minute})
		var allowed, refused atomic.Int64
		var wg sync.WaitGroup
		for g := range 16 {
			wg.Go(func() {
				for range 25 {
					d, err := l.Allow(ctx, "user:hot")
					if err != nil {
						t.Error(fmt.Errorf("goroutine %d: %w", g, err))
						return
					}
					if d.Allowed {
						allowed.Add(1)
					} else {
						refused.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if allowed.Load() != 100 || refused.Load() != 300 {
			t.Fatalf("400 concurrent requests: %d allowed, %d refused; want 100 and 300", allowed.Load(), refused.Load())
		}
	})
	t.Run("empty key", func(t *testing.T) {
		l := newLimiter(t, ratelimit.Policy{Limit: 1, Window: time.Minute})
		if _, err := l.Allow(ctx, ""); err == nil {
			t.Fatal("an empty key was counted")
		}
	})
}
