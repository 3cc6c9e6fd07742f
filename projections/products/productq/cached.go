package productq

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/souq-market/souq/internal/cache"
)

// Cache keys, shared with the projectors that write them.
const (
	DetailPrefix = "product:" // + product ID: a versioned entry
	StockPrefix  = "stock:"   // + SKU: counters, one group per location
	// MetaKey holds the stock projector's "primed" counter: absent, the
	// cache lost what the projector wrote (a new process's memory, a
	// flushed Redis) and the projector must start over.
	MetaKey = "stock-meta"
)

// Counter fields of a location's group.
const (
	FieldOnHand   = "on_hand"
	FieldReserved = "reserved"
)

// DetailTTL is how long a product detail stays cached.
const DetailTTL = 5 * time.Minute

// Stock answers the units available now, by SKU.
type Stock func(ctx context.Context, skus []string) (map[string]int64, error)

// CacheStock reads the stock counters from c: per SKU the sum over its
// locations of on hand − reserved, never below zero at any location.
func CacheStock(c cache.Cache) Stock {
	return func(ctx context.Context, skus []string) (map[string]int64, error) {
		keys := make([]string, len(skus))
		for i, s := range skus {
			keys[i] = StockPrefix + s
		}
		groups, err := c.Counters(ctx, keys...)
		if err != nil {
			return nil, err
		}
		out := make(map[string]int64, len(skus))
		for i, gs := range groups {
			var n int64
			for _, g := range gs {
				n += max(0, g.Values[FieldOnHand]-g.Values[FieldReserved])
			}
			out[skus[i]] = n
		}
		return out, nil
	}
}

// Cached serves product details through a cache. Cache nil reads the view
// on every request (a process whose cache no projector feeds).
type Cached struct {
	Reader *Reader
	Cache  cache.Cache
	Stock  Stock
	Log    *slog.Logger
}

// Get returns the product with its stock. A cache that fails is logged and
// passed by: the view answers, slower.
func (c *Cached) Get(ctx context.Context, id string) (Detail, error) {
	d, err := c.detail(ctx, id)
	if err != nil {
		return Detail{}, err
	}
	skus := make([]string, len(d.Variants))
	for i, v := range d.Variants {
		skus[i] = v.SKU
	}
	if len(skus) > 0 && c.Stock != nil {
		avail, err := c.Stock(ctx, skus)
		if err != nil {
			return Detail{}, fmt.Errorf("stock of product %s: %w", id, err)
		}
		for i := range d.Variants {
			d.Variants[i].Available = avail[d.Variants[i].SKU]
			d.Available += d.Variants[i].Available
		}
	}
	d.InStock = d.Available > 0 && d.Status == OnSale
	return d, nil
}

func (c *Cached) detail(ctx context.Context, id string) (Detail, error) {
	key := DetailPrefix + id
	if c.Cache != nil {
		b, _, ok, err := c.Cache.Load(ctx, key)
		if err == nil && ok {
			var d Detail
			if err = json.Unmarshal(b, &d); err == nil {
				return d, nil
			}
		}
		if err != nil {
			c.warn("product cache load failed", id, err)
		}
	}
	d, err := c.Reader.Get(ctx, id)
	if err != nil || c.Cache == nil {
		return d, err
	}
	// Refused (stored false) when the cache projector already saw a newer
	// revision than the view holds: serve this one, cache nothing.
	if b, err := json.Marshal(d); err == nil {
		if _, err := c.Cache.Fill(ctx, key, d.Revision, b, DetailTTL); err != nil {
			c.warn("product cache fill failed", id, err)
		}
	}
	return d, nil
}

func (c *Cached) warn(msg, id string, err error) {
	if c.Log != nil {
		c.Log.Warn(msg, slog.String("product", id), slog.String("error", err.Error()))
	}
}
