package redis_test

import (
	"context"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/souq-market/souq/internal/live"
	"github.com/souq-market/souq/internal/live/livetest"
	"github.com/souq-market/souq/internal/live/redis"
	rlredis "github.com/souq-market/souq/internal/ratelimit/redis"
	"github.com/souq-market/souq/internal/testenv"
)

// TestRedis runs the acceptance suite against the real Redis: two
// fan-outs on one prefix are two processes; each test has its own prefix,
// whose keys are deleted afterwards.
func TestRedis(t *testing.T) {
	url := testenv.URL(t, testenv.Redis)
	ctx := context.Background()
	client, err := rlredis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	log := slog.New(slog.DiscardHandler)
	livetest.Run(t, func(t *testing.T, o live.Options) (live.Fanout, live.Fanout) {
		prefix := "souq-test:" + uuid.NewString() + ":"
		a, err := redis.New(ctx, client, prefix, o, log)
		if err != nil {
			t.Fatal(err)
		}
		b, err := redis.New(ctx, client, prefix, o, log)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = a.Close()
			_ = b.Close()
			keys, _ := client.Keys(ctx, prefix+"*").Result()
			if len(keys) > 0 {
				_ = client.Del(ctx, keys...).Err()
			}
		})
		return a, b
	})
}

// TestRedisCloseLeavesNoGoroutine: the receiver and go-redis's pub/sub
// goroutines end with Close.
func TestRedisCloseLeavesNoGoroutine(t *testing.T) {
	url := testenv.URL(t, testenv.Redis)
	ctx := context.Background()
	client, err := rlredis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	before := runtime.NumGoroutine()
	for range 3 {
		f, err := redis.New(ctx, client, "souq-test:"+uuid.NewString()+":", live.Options{}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		sctx, cancel := context.WithCancel(ctx)
		if _, err := f.Subscribe(sctx, "order:1", 0); err != nil {
			t.Fatal(err)
		}
		cancel()
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
