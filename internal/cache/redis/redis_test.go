package redis_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/souq-market/souq/internal/cache"
	"github.com/souq-market/souq/internal/cache/cachetest"
	"github.com/souq-market/souq/internal/cache/redis"
	rlredis "github.com/souq-market/souq/internal/ratelimit/redis"
	"github.com/souq-market/souq/internal/testenv"
)

// TestRedis runs the acceptance suite against the real Redis, each subtest
// under a prefix of its own, cleared afterwards.
func TestRedis(t *testing.T) {
	url := testenv.URL(t, testenv.Redis)
	ctx := context.Background()
	client, err := rlredis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	cachetest.Run(t, func(t *testing.T) cache.Cache {
		c, err := redis.New(client, "souq-test:"+uuid.NewString()+":")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := c.Clear(context.Background(), ""); err != nil {
				t.Error(err)
			}
		})
		return c
	})
}
