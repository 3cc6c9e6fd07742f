package products_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/cache"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/cached"
	"github.com/souq-market/souq/projections/products"
	"github.com/souq-market/souq/projections/products/productq"
	"github.com/souq-market/souq/projections/viewtest"
)

func aed(t testing.TB, minor int64) map[domain.Currency]domain.Money {
	m, err := domain.New(minor, domain.AED)
	if err != nil {
		t.Fatal(err)
	}
	return map[domain.Currency]domain.Money{domain.AED: m}
}

// registry registers the product and inventory events (Delisted with its
// upcaster, as commands.NewRegistry does).
func registry() *eventstore.Registry {
	r := viewtest.Registry([]domain.Event{product.Listed{}, product.Updated{}, product.VariantAdded{}, product.Repriced{}}, inventory.Events())
	r.RegisterValue(product.Delisted{}, product.TypeDelisted, product.DelistedVersion, eventstore.UpcastStep{From: 1, Fn: product.UpcastDelistedV1})
	return r
}

func details(name string) product.Details {
	return product.Details{Name: product.Name{English: name, Arabic: "عود"}, Brand: "Souq", Category: product.Oud, Gender: product.Unisex, Origin: product.Original}
}

func TestProductsView(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		reg := registry()
		h := viewtest.NewHistory(t, reg)
		at := h.At()
		h.Add("product-p-1", product.Listed{ProductID: "p-1", VendorID: "v-1", Details: details("Royal Oud"),
			Variants: []product.Variant{{SKU: "oud-50", SizeML: 50, Prices: aed(t, 45000)}}, At: at})
		h.Add("product-p-1", product.VariantAdded{Variant: product.Variant{SKU: "oud-100", SizeML: 100, Prices: aed(t, 80000)}, At: at})
		h.Add("product-p-1", product.Repriced{SKU: "oud-50", Prices: aed(t, 39900), At: at})
		h.Add("product-p-1", product.Updated{Details: details("Royal Oud Intense"), At: at})
		h.Add("product-p-2", product.Listed{ProductID: "p-2", VendorID: "v-2", Details: details("Musk"),
			Variants: []product.Variant{{SKU: "musk-30", SizeML: 30, Prices: aed(t, 9900)}}, At: at})
		h.Add("product-p-2", product.Delisted{Code: "discontinued", Reason: "line ended", At: at})
		viewtest.Prove(t, db, h.Store, func() projections.Projector { return products.New(reg) }, func(db viewtest.DB) string {
			return viewtest.Dump(t, db.R, `SELECT product_id, vendor_id, revision, status, details, variants, listed_at, updated_at FROM products ORDER BY product_id`)
		})
		rd := productq.New(db.R, db.Rebind)
		d, err := rd.Get(context.Background(), "p-1")
		if err != nil {
			t.Fatal(err)
		}
		if d.Revision != 3 || d.Status != productq.OnSale || len(d.Variants) != 2 || d.Variants[0].Prices["AED"].Amount != 39900 ||
			d.Variants[1].Prices["AED"].Amount != 80000 || !strings.Contains(string(d.Details), "Royal Oud Intense") {
			t.Fatalf("p-1: %+v %s", d, d.Details)
		}
		if d, _ := rd.Get(context.Background(), "p-2"); d.Status != productq.Delisted {
			t.Fatalf("p-2: %+v", d)
		}
		if _, err := rd.Get(context.Background(), "p-3"); !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("p-3: %v", err)
		}
	})
}

// TestCachedDetail: the detail is served from the cache with live stock; a
// reprice invalidates it; a reader that fills from a view still behind the
// invalidation cannot cache the old price; redelivered stock events count
// once.
func TestCachedDetail(t *testing.T) {
	ctx := context.Background()
	db := viewtest.SQLite(t)
	reg := registry()
	h := viewtest.NewHistory(t, reg)
	at := h.At()
	h.Add("product-p-1", product.Listed{ProductID: "p-1", VendorID: "v-1", Details: details("Royal Oud"),
		Variants: []product.Variant{{SKU: "oud-50", SizeML: 50, Prices: aed(t, 45000)}, {SKU: "oud-100", SizeML: 100, Prices: aed(t, 80000)}}, At: at})
	h.Add("inventory-oud-50@dxb", inventory.Received{SKU: "oud-50", Location: "dxb", Quantity: 10, At: at})
	h.Add("inventory-oud-50@ruh", inventory.Received{SKU: "oud-50", Location: "ruh", Quantity: 2, At: at})
	h.Add("inventory-oud-50@dxb", inventory.Reserved{SKU: "oud-50", Location: "dxb", ReservationID: "r1", OrderID: "o-1", Quantity: 3, ExpiresAt: at, At: at})
	h.Add("inventory-oud-50@ruh", inventory.Reserved{SKU: "oud-50", Location: "ruh", ReservationID: "r2", OrderID: "o-2", Quantity: 2, ExpiresAt: at, At: at})
	h.Add("inventory-oud-50@dxb", inventory.ReservationCommitted{SKU: "oud-50", Location: "dxb", ReservationID: "r1", Quantity: 3, At: at})

	c := cache.NewMemory(nil)
	cp, err := cached.New(reg, c)
	if err != nil {
		t.Fatal(err)
	}
	if lost, err := cp.Lost(ctx); err != nil || !lost {
		t.Fatalf("a new cache is not lost: %v %v", lost, err)
	}
	if err := cp.Reset(ctx); err != nil { // what cmd/souq has the runner do
		t.Fatal(err)
	}
	// Stock events delivered twice, in overlapping batches: counted once.
	r := viewtest.Project(t, db, viewtest.Redelivering{Store: h.Store, Seed: 7}, products.New(reg), cp)
	svc := &productq.Cached{Reader: productq.New(db.R, db.Rebind), Cache: c, Stock: productq.CacheStock(c)}
	d, err := svc.Get(ctx, "p-1")
	if err != nil {
		t.Fatal(err)
	}
	// dxb 10 − 3 committed = 7, ruh 2 all reserved = 0.
	if d.Variants[0].SKU != "oud-50" || d.Variants[0].Available != 7 || d.Variants[1].Available != 0 || d.Available != 7 || !d.InStock {
		t.Fatalf("stock: %+v", d)
	}
	if _, rev, ok, _ := c.Load(ctx, productq.DetailPrefix+"p-1"); !ok || rev != 0 {
		t.Fatalf("not cached at revision 0: %v %d", ok, rev)
	}

	// The cache projector handles a reprice before the products view does
	// (two projectors, two lags): the miss reads the old row and may not
	// cache it.
	h.Add("product-p-1", product.Repriced{SKU: "oud-50", Prices: aed(t, 39900), At: at})
	cp2, _ := cached.New(reg, c)
	viewtest.CatchUp(t, mustRunner(t, db, h, cp2), h.Store)
	if d, _ := svc.Get(ctx, "p-1"); d.Variants[0].Prices["AED"].Amount != 45000 {
		t.Fatalf("the view is behind, yet %+v", d.Variants[0])
	}
	if _, _, ok, _ := c.Load(ctx, productq.DetailPrefix+"p-1"); ok {
		t.Fatal("the old price was cached after the invalidation")
	}
	viewtest.CatchUp(t, r, h.Store) // the products view catches up
	if d, _ := svc.Get(ctx, "p-1"); d.Variants[0].Prices["AED"].Amount != 39900 || d.Revision != 1 {
		t.Fatalf("after the reprice: %+v", d)
	}
	if _, rev, ok, _ := c.Load(ctx, productq.DetailPrefix+"p-1"); !ok || rev != 1 {
		t.Fatalf("the new price is not cached: %v %d", ok, rev)
	}

	// Without a cache the view and the stock answer on every request.
	plain := &productq.Cached{Reader: productq.New(db.R, db.Rebind), Stock: productq.CacheStock(c)}
	if d, err := plain.Get(ctx, "p-1"); err != nil || d.Variants[0].Prices["AED"].Amount != 39900 || d.Available != 7 {
		t.Fatalf("uncached: %+v %v", d, err)
	}
	if _, err := svc.Get(ctx, "nope"); !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("unknown product: %v", err)
	}
	if lost, _ := cp.Lost(ctx); lost {
		t.Fatal("a reset cache still reads as lost")
	}
}

// mustRunner is a runner of the cache projector alone, over its own
// checkpoint table in db.
func mustRunner(t *testing.T, db viewtest.DB, h *viewtest.History, p projections.Projector) *projections.Runner {
	t.Helper()
	r, err := projections.New(context.Background(), projections.Options{DB: db.W, Dialect: db.Dialect, Store: h.Store}, p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
