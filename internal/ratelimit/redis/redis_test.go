package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/souq-market/souq/internal/ratelimit"
	"github.com/souq-market/souq/internal/ratelimit/ratelimittest"
	"github.com/souq-market/souq/internal/ratelimit/redis"
	"github.com/souq-market/souq/internal/testenv"
)

// TestRedis runs the acceptance suite against the real Redis, each subtest
// under its own key prefix, deleted afterwards.
func TestRedis(t *testing.T) {
	url := testenv.URL(t, testenv.Redis)
	ctx := context.Background()
	client, err := redis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	ratelimittest.Run(t, func(t *testing.T, p ratelimit.Policy) ratelimit.Limiter {
		prefix := "souq-test:" + uuid.NewString() + ":"
		t.Cleanup(func() {
			keys, _ := client.Keys(ctx, prefix+"*").Result()
			if len(keys) > 0 {
				_ = client.Del(ctx, keys...).Err()
			}
		})
		l, err := redis.New(client, p, prefix)
		if err != nil {
			t.Fatal(err)
		}
		return l
	})
}

// TestRedisKeysExpire: a counter carries the window as its expiry, so Redis
// forgets idle clients by itself.
func TestRedisKeysExpire(t *testing.T) {
	url := testenv.URL(t, testenv.Redis)
	ctx := context.Background()
	client, err := redis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	prefix := "souq-test:" + uuid.NewString() + ":"
	defer client.Del(ctx, prefix+"k")
	l, _ := redis.New(client, ratelimit.Policy{Limit: 5, Window: time.Minute}, prefix)
	if _, err := l.Allow(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	ttl, err := client.PTTL(ctx, prefix+"k").Result()
	if err != nil || ttl <= 0 || ttl > time.Minute {
		t.Fatalf("ttl %v %v", ttl, err)
	}
}

// TestRedisDown: an unreachable Redis is an error, never a silent "allowed".
func TestRedisDown(t *testing.T) {
	if _, err := redis.Open(context.Background(), "redis://127.0.0.1:1/0"); err == nil {
		t.Fatal("opened a Redis that is not there")
	}
}
