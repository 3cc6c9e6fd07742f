package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/cache"
	cacheredis "github.com/souq-market/souq/internal/cache/redis"
	"github.com/souq-market/souq/internal/live"
	liveredis "github.com/souq-market/souq/internal/live/redis"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/cached"
	"github.com/souq-market/souq/projections/inventory/stockq"
	"github.com/souq-market/souq/projections/livefeed"
	"github.com/souq-market/souq/projections/products/productq"
	"github.com/souq-market/souq/readapi"
)

// Key prefixes in a shared Redis.
const (
	cachePrefix = "souq:cache:"
	livePrefix  = "souq:live:"
)

// cacheSide is the cache and the live fan-out: in Redis when SOUQ_REDIS_URL
// is set (shared by every read and project process), else in this
// process. Its projectors (the cache's and the live feed's) run with the
// others.
type cacheSide struct {
	log       *slog.Logger
	cache     cache.Cache
	fanout    live.Fanout
	projector *cached.Projector
	// fed: something feeds the cache and the fan-out. Always with Redis
	// (a project process does); in process only once this process runs the
	// projectors, else reads go to the views and live updates are off.
	fed atomic.Bool
}

// openCache puts the cache and the fan-out in Redis through client (the
// process's one, redis.go, which the cache never closes), or in process
// when client is nil.
func openCache(ctx context.Context, client *goredis.Client, logger *slog.Logger) (*cacheSide, error) {
	c := &cacheSide{log: logger.With(slog.String("component", "cache"))}
	if client == nil {
		c.cache, c.fanout = cache.NewMemory(nil), live.NewMemory(live.Options{}, nil)
		return c, nil
	}
	octx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var err error
	if c.cache, err = cacheredis.New(client, cachePrefix); err == nil {
		c.fanout, err = liveredis.New(octx, client, livePrefix, live.Options{}, c.log)
	}
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	c.fed.Store(true)
	c.log.Info("cache, stock counters and live fan-out in Redis")
	return c, nil
}

// projectors are the cache's projector and the live feed's.
func (c *cacheSide) projectors(reg *eventstore.Registry, store eventstore.Store) ([]projections.Projector, error) {
	p, err := cached.New(reg, c.cache)
	if err != nil {
		return nil, err
	}
	c.projector = p
	lf, err := livefeed.New(livefeed.Options{Registry: reg, Fanout: c.fanout, Store: store})
	if err != nil {
		return nil, err
	}
	return []projections.Projector{p, lf}, nil
}

// rewind runs before the projectors do: a cache that lost what the
// projector wrote (always, in process, at a start; a flushed Redis) gets
// the projector back to position zero.
func (c *cacheSide) rewind(ctx context.Context, r *projections.Runner) error {
	lost, err := c.projector.Lost(ctx)
	if err == nil && lost {
		c.log.Info("the cache holds no stock counters: rebuilding them from the event log")
		err = r.Reset(ctx, cached.Name)
	}
	if err != nil {
		return err
	}
	c.fed.Store(true)
	return nil
}

// products is the read API's product page: through the cache when it is
// fed, else the products view with stock from the inventory view.
func (c *cacheSide) products(db *sql.DB, rebind func(string) string) readapi.ProductDetails {
	rd := productq.New(db, rebind)
	return details{
		fed:    c.fed.Load,
		cached: &productq.Cached{Reader: rd, Cache: c.cache, Stock: productq.CacheStock(c.cache), Log: c.log},
		plain:  &productq.Cached{Reader: rd, Stock: viewStock(stockq.New(db, rebind)), Log: c.log},
	}
}

// live is the read API's live-update streams.
func (c *cacheSide) live() *readapi.Live {
	return &readapi.Live{Fanout: fedFanout{Fanout: c.fanout, fed: c.fed.Load}}
}

// endStreams ends every live stream: a server shutting down cannot drain
// streams that never end by themselves.
func (c *cacheSide) endStreams() { _ = c.fanout.Close() }

func (c *cacheSide) Close() error { return c.fanout.Close() }

type details struct {
	fed           func() bool
	cached, plain *productq.Cached
}

func (d details) Get(ctx context.Context, id string) (productq.Detail, error) {
	if d.fed() {
		return d.cached.Get(ctx, id)
	}
	return d.plain.Get(ctx, id)
}

// fedFanout refuses subscriptions nobody would feed (an in-process fan-out
// in a process that runs no projectors).
type fedFanout struct {
	live.Fanout
	fed func() bool
}

func (f fedFanout) Subscribe(ctx context.Context, channel string, after uint64) (*live.Subscription, error) {
	if !f.fed() {
		return nil, fmt.Errorf("no projector feeds this process's live updates (set SOUQ_REDIS_URL to share them): %w", live.ErrClosed)
	}
	return f.Fanout.Subscribe(ctx, channel, after)
}

// viewStock reads available stock from the inventory view.
func viewStock(r *stockq.Reader) productq.Stock {
	return func(ctx context.Context, skus []string) (map[string]int64, error) {
		out := make(map[string]int64, len(skus))
		for _, sku := range skus {
			s, err := r.Get(ctx, sku, "")
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out[sku] = s.Available
		}
		return out, nil
	}
}
