package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/souq-market/souq/internal/ratelimit"
	"github.com/souq-market/souq/internal/ratelimit/ratelimittest"
)

func TestMemory(t *testing.T) {
	ratelimittest.Run(t, func(t *testing.T, p ratelimit.Policy) ratelimit.Limiter {
		m, err := ratelimit.NewMemory(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m
	})
}

// TestMemorySweeps: ended windows are forgotten, so a flood of distinct
// keys (spoofed IPs) cannot grow the map without bound.
func TestMemorySweeps(t *testing.T) {
	now := time.Unix(0, 0)
	m, _ := ratelimit.NewMemory(ratelimit.Policy{Limit: 1, Window: time.Second}, func() time.Time { return now })
	for i := range 1000 {
		_, _ = m.Allow(context.Background(), string(rune('a'+i%26))+time.Duration(i).String())
	}
	now = now.Add(2 * time.Second)
	_, _ = m.Allow(context.Background(), "fresh")
	if n := m.Len(); n != 1 {
		t.Fatalf("%d windows kept after they all ended", n)
	}
}

func TestPolicyCheck(t *testing.T) {
	for _, p := range []ratelimit.Policy{{}, {Limit: 1}, {Limit: 0, Window: time.Minute}} {
		if _, err := ratelimit.NewMemory(p, nil); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}
