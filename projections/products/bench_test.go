package products_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/internal/cache"
	cacheredis "github.com/souq-market/souq/internal/cache/redis"
	rlredis "github.com/souq-market/souq/internal/ratelimit/redis"
	"github.com/souq-market/souq/internal/testenv"
	"github.com/souq-market/souq/projections/cached"
	"github.com/souq-market/souq/projections/products"
	"github.com/souq-market/souq/projections/products/productq"
	"github.com/souq-market/souq/projections/viewtest"
)

// BenchmarkProductDetail reads cached product pages (detail + live stock of
// each size) of a 1,000-product catalog in random order, against a plain
// map lookup of the same details in the same run, and through the real
// Redis when it is reachable. Each reports p50 and p99 per read.
func BenchmarkProductDetail(b *testing.B) {
	const n = 1000
	ctx := context.Background()
	reg := registry()
	h := viewtest.NewHistory(b, reg)
	at := h.At()
	for i := range n {
		id := fmt.Sprintf("p-%d", i)
		vs := []product.Variant{{SKU: domain.SKU("sku-" + id + "-50"), SizeML: 50, Prices: aed(b, 45000)}, {SKU: domain.SKU("sku-" + id + "-100"), SizeML: 100, Prices: aed(b, 80000)}}
		h.Add("product-"+id, product.Listed{ProductID: domain.ProductID(id), VendorID: "v-1", Details: details("Oud " + id), Variants: vs, At: at})
		h.Add("inventory-sku-"+id+"-50@dxb", inventory.Received{SKU: vs[0].SKU, Location: "dxb", Quantity: 10, At: at})
	}
	db := viewtest.SQLite(b)
	mem := cache.NewMemory(nil)
	cp, _ := cached.New(reg, mem)
	_ = cp.Reset(ctx)
	viewtest.Project(b, db, h.Store, products.New(reg), cp)
	rd := productq.New(db.R, db.Rebind)
	ids := make([]string, n)
	base := map[string]productq.Detail{}
	for i := range n {
		ids[i] = fmt.Sprintf("p-%d", i)
		d, err := rd.Get(ctx, ids[i])
		if err != nil {
			b.Fatal(err)
		}
		base[ids[i]] = d
	}
	run := func(b *testing.B, get func(id string) error) {
		rnd := rand.New(rand.NewPCG(1, 2))
		for _, id := range ids { // warm: every page cached once
			if err := get(id); err != nil {
				b.Fatal(err)
			}
		}
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			id := ids[rnd.IntN(n)]
			t0 := time.Now()
			if err := get(id); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	}
	b.Run("baseline-map", func(b *testing.B) {
		var sink int64
		run(b, func(id string) error {
			d := base[id]
			d.Variants = slices.Clone(d.Variants)
			sink += int64(len(d.Variants))
			return nil
		})
	})
	b.Run("cached-memory", func(b *testing.B) {
		svc := &productq.Cached{Reader: rd, Cache: mem, Stock: productq.CacheStock(mem)}
		run(b, func(id string) error { _, err := svc.Get(ctx, id); return err })
	})
	b.Run("uncached-sqlite", func(b *testing.B) {
		svc := &productq.Cached{Reader: rd, Stock: productq.CacheStock(mem)}
		run(b, func(id string) error { _, err := svc.Get(ctx, id); return err })
	})
	b.Run("cached-redis", func(b *testing.B) {
		url := testenv.URL(b, testenv.Redis)
		client, err := rlredis.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		defer client.Close()
		rc, _ := cacheredis.New(client, "souq-bench:"+uuid.NewString()+":")
		defer func() { _ = rc.Clear(ctx, "") }()
		cp, _ := cached.New(reg, rc)
		if err := cp.Reset(ctx); err != nil {
			b.Fatal(err)
		}
		if err := cp.Handle(ctx, viewtest.Events(b, h.Store)); err != nil {
			b.Fatal(err)
		}
		svc := &productq.Cached{Reader: rd, Cache: rc, Stock: productq.CacheStock(rc)}
		run(b, func(id string) error { _, err := svc.Get(ctx, id); return err })
	})
}
