// Package redis is the distributed Cache: versioned entries and counters
// in Redis hashes, every compare-and-set a Lua script, so a check and its
// write are one atomic step and one round trip whichever instance runs it.
//
// Layout, under the prefix given to New: a versioned entry is a hash with
// fields v (value), r (its revision) and f (the floor), expiring as a
// whole; a counter key is a hash with one field per group and name,
// "group|name", and "group|rev" for the group's revision, without expiry
// (counters are state, not a copy). Revisions pass through Lua numbers,
// exact to 2^53.
//
// It may import the standard library, internal/cache and go-redis; only
// cmd/souq wires it. The client comes from the caller (cmd/souq opens one
// with ratelimit/redis.Open and shares it).
package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/souq-market/souq/internal/cache"
)

const fillScript = `
local cur = redis.call('HMGET', KEYS[1], 'r', 'f')
local rev = tonumber(ARGV[1])
if cur[2] and rev < tonumber(cur[2]) then return 0 end
if cur[1] and rev < tonumber(cur[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'r', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`

const invalidateScript = `
local cur = redis.call('HMGET', KEYS[1], 'r', 'f')
local rev = tonumber(ARGV[1])
if (not cur[2]) or rev > tonumber(cur[2]) then redis.call('HSET', KEYS[1], 'f', ARGV[1]) end
if cur[1] and tonumber(cur[1]) < rev then redis.call('HDEL', KEYS[1], 'v', 'r') end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`

// addScript: ARGV[1] group, ARGV[2] revision, then field and delta pairs.
const addScript = `
local revf = ARGV[1] .. '|rev'
local cur = redis.call('HGET', KEYS[1], revf)
if cur and tonumber(ARGV[2]) <= tonumber(cur) then return 0 end
for i = 3, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[1] .. '|' .. ARGV[i], ARGV[i + 1])
end
redis.call('HSET', KEYS[1], revf, ARGV[2])
return 1
`

// Cache is the Redis cache.
type Cache struct {
	client                     goredis.UniversalClient
	prefix                     string
	fill, invalidate, addDelta *goredis.Script
}

var _ cache.Cache = (*Cache)(nil)

// New returns a cache over client whose keys all start with prefix (such as
// "souq:cache:"), so deployments and tests sharing a Redis never meet.
func New(client goredis.UniversalClient, prefix string) (*Cache, error) {
	if client == nil {
		return nil, errors.New("cache/redis: no client")
	}
	return &Cache{client: client, prefix: prefix, fill: goredis.NewScript(fillScript),
		invalidate: goredis.NewScript(invalidateScript), addDelta: goredis.NewScript(addScript)}, nil
}

func wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("cache/redis: %w", err)
}

func (c *Cache) Load(ctx context.Context, key string) ([]byte, uint64, bool, error) {
	vals, err := c.client.HMGet(ctx, c.prefix+key, "v", "r").Result()
	if err != nil {
		return nil, 0, false, wrap(err)
	}
	v, ok1 := vals[0].(string)
	r, ok2 := vals[1].(string)
	if !ok1 || !ok2 {
		return nil, 0, false, nil
	}
	rev, err := strconv.ParseUint(r, 10, 64)
	if err != nil {
		return nil, 0, false, wrap(fmt.Errorf("revision of %s: %w", key, err))
	}
	return []byte(v), rev, true, nil
}

func (c *Cache) Fill(ctx context.Context, key string, rev uint64, value []byte, ttl time.Duration) (bool, error) {
	if err := cache.CheckFill(key, ttl); err != nil {
		return false, err
	}
	n, err := c.fill.Run(ctx, c.client, []string{c.prefix + key}, rev, value, ttl.Milliseconds()).Int()
	return n == 1, wrap(err)
}

func (c *Cache) Invalidate(ctx context.Context, key string, rev uint64, ttl time.Duration) error {
	if err := cache.CheckFill(key, ttl); err != nil {
		return err
	}
	return wrap(c.invalidate.Run(ctx, c.client, []string{c.prefix + key}, rev, ttl.Milliseconds()).Err())
}

func (c *Cache) Add(ctx context.Context, key, group string, rev uint64, deltas map[string]int64) (bool, error) {
	if err := cache.CheckAdd(key, group, deltas); err != nil {
		return false, err
	}
	args := make([]any, 0, 2+2*len(deltas))
	args = append(args, group, rev)
	for f, d := range deltas {
		args = append(args, f, d)
	}
	n, err := c.addDelta.Run(ctx, c.client, []string{c.prefix + key}, args...).Int()
	return n == 1, wrap(err)
}

// Counters reads every key in one pipelined round trip.
func (c *Cache) Counters(ctx context.Context, keys ...string) ([]map[string]cache.Group, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	cmds := make([]*goredis.MapStringStringCmd, len(keys))
	_, err := c.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.HGetAll(ctx, c.prefix+k)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]map[string]cache.Group, len(keys))
	for i, cmd := range cmds {
		gs := map[string]cache.Group{}
		for name, v := range cmd.Val() {
			group, field, ok := strings.Cut(name, cache.Sep)
			if !ok {
				continue // a versioned entry's field: not a counter
			}
			g := gs[group]
			if g.Values == nil {
				g.Values = map[string]int64{}
			}
			if field == cache.RevField {
				if g.Rev, err = strconv.ParseUint(v, 10, 64); err != nil {
					return nil, wrap(fmt.Errorf("%s %s: %w", keys[i], name, err))
				}
			} else if g.Values[field], err = strconv.ParseInt(v, 10, 64); err != nil {
				return nil, wrap(fmt.Errorf("%s %s: %w", keys[i], name, err))
			}
			gs[group] = g
		}
		out[i] = gs
	}
	return out, nil
}

// Clear scans for the prefix and unlinks in batches: no KEYS, which would
// stall a shared Redis.
func (c *Cache) Clear(ctx context.Context, prefix string) error {
	pattern := glob(c.prefix+prefix) + "*"
	var cursor uint64
	for {
		keys, next, err := c.client.Scan(ctx, cursor, pattern, 500).Result()
		if err != nil {
			return wrap(err)
		}
		if len(keys) > 0 {
			if err := c.client.Unlink(ctx, keys...).Err(); err != nil {
				return wrap(err)
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// glob escapes the pattern characters of SCAN MATCH.
func glob(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\^`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (c *Cache) Ping(ctx context.Context) error { return wrap(c.client.Ping(ctx).Err()) }
