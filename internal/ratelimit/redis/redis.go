// Package redis is the distributed Limiter: the same fixed window as
// ratelimit.Memory, counted in Redis so that every write instance shares one
// budget per key. One Lua script increments the key, sets its expiry on the
// window's first request and reads the time left, atomically in one round
// trip: no two instances can both see "99" and both let a request through,
// and no crash between INCR and EXPIRE can leave a counter that never
// expires.
//
// It may import the standard library, ratelimit and go-redis; only cmd/souq
// wires it.
package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/souq-market/souq/internal/ratelimit"
)

// script counts one request: KEYS[1] the counter, ARGV[1] the window in ms.
// Returns {count, milliseconds left}.
const script = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`

// Limiter counts in Redis under Prefix + key.
type Limiter struct {
	client goredis.Scripter
	policy ratelimit.Policy
	prefix string
	script *goredis.Script
}

// New returns a limiter over a client; prefix namespaces its keys (such as
// "souq:ratelimit:"), so tests and deployments sharing a Redis do not meet.
func New(client goredis.Scripter, p ratelimit.Policy, prefix string) (*Limiter, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if client == nil {
		return nil, errors.New("ratelimit/redis: no client")
	}
	return &Limiter{client: client, policy: p, prefix: prefix, script: goredis.NewScript(script)}, nil
}

// Allow counts a request against key.
func (l *Limiter) Allow(ctx context.Context, key string) (ratelimit.Decision, error) {
	if key == "" {
		return ratelimit.Decision{}, ratelimit.ErrEmptyKey
	}
	res, err := l.script.Run(ctx, l.client, []string{l.prefix + key}, l.policy.Window.Milliseconds()).Int64Slice()
	if err != nil {
		return ratelimit.Decision{}, fmt.Errorf("ratelimit/redis: %w", err)
	}
	if len(res) != 2 {
		return ratelimit.Decision{}, fmt.Errorf("ratelimit/redis: script answered %v", res)
	}
	return ratelimit.Decide(l.policy, int(res[0]), time.Duration(res[1])*time.Millisecond), nil
}

// Open connects to a Redis URL (redis://host:6379/0, rediss:// for TLS) and
// checks that it answers.
func Open(ctx context.Context, url string) (*goredis.Client, error) {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("ratelimit/redis: %w", err)
	}
	c := goredis.NewClient(opts)
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("ratelimit/redis: ping %s: %w", opts.Addr, err)
	}
	return c, nil
}
