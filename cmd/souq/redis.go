package main

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/souq-market/souq/internal/config"
	rlredis "github.com/souq-market/souq/internal/ratelimit/redis"
)

// openRedis opens the process's one Redis client when SOUQ_REDIS_URL is
// set, else nil: the cache, the live fan-out and the rate limit share its
// pool, and whoever opened it closes it once they are done (serve: after
// the servers drained and the read side closed).
func openRedis(ctx context.Context, cfg config.Config) (*goredis.Client, error) {
	if cfg.RedisURL == "" {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := rlredis.Open(ctx, cfg.RedisURL) // the one Redis constructor
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	return c, nil
}

// closeRedis closes a client openRedis opened, if any.
func closeRedis(c *goredis.Client) error {
	if c == nil {
		return nil
	}
	return c.Close()
}
