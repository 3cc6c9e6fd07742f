package readapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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

// TestProductDetail: public, cached, live stock; after a reprice (or a
// reservation) the next read with X-Souq-Min-Position shows it, while the
// runner keeps running as in production.
func TestProductDetail(t *testing.T) {
	reg := viewtest.Registry([]domain.Event{product.Listed{}, product.Repriced{}}, inventory.Events())
	h := viewtest.NewHistory(t, reg)
	at := h.At()
	prices := func(n int64) map[domain.Currency]domain.Money {
		return map[domain.Currency]domain.Money{domain.AED: aed(n)}
	}
	h.Add("product-p-1", product.Listed{ProductID: "p-1", VendorID: "v-1", Details: product.Details{Name: product.Name{English: "Royal Oud"}},
		Variants: []product.Variant{{SKU: "oud-50", SizeML: 50, Prices: prices(45000)}}, At: at})
	h.Add("inventory-oud-50@dxb", inventory.Received{SKU: "oud-50", Location: "dxb", Quantity: 10, At: at})

	db := viewtest.SQLite(t)
	c := cache.NewMemory(nil)
	cp, err := cached.New(reg, c)
	if err != nil {
		t.Fatal(err)
	}
	r, err := projections.New(context.Background(), projections.Options{DB: db.W, Dialect: db.Dialect, Store: h.Store,
		Backoff: time.Millisecond, Poll: 5 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, products.New(reg), cp)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	api, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(),
		Wait: func(ctx context.Context, name string, pos uint64) error {
			return r.WaitFor(ctx, name, eventstore.Position(pos))
		},
		Products: &productq.Cached{Reader: productq.New(db.R, db.Rebind), Cache: c, Stock: productq.CacheStock(c)}})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string, pos eventstore.Position, etag string) (*httptest.ResponseRecorder, productq.Detail) {
		t.Helper()
		req := httptest.NewRequest("GET", path, nil)
		if pos > 0 {
			req.Header.Set(HeaderMinPosition, strconv.FormatUint(uint64(pos), 10))
		}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		rec := httptest.NewRecorder()
		api.Handler().ServeHTTP(rec, req)
		var d productq.Detail
		if rec.Code == 200 {
			if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
				t.Fatal(err)
			}
		}
		if rec.Header().Get(HeaderBehind) != "" {
			t.Fatalf("%s answered behind", path)
		}
		return rec, d
	}
	head, _ := h.Store.Head(context.Background())
	rec, d := get("/v1/products/p-1", head, "")
	if rec.Code != 200 || d.Variants[0].Prices["AED"].Amount != 45000 || d.Available != 10 || !d.InStock || rec.Header().Get("Cache-Control") != "public, no-cache" {
		t.Fatalf("first read: %d %+v %v", rec.Code, d, rec.Header())
	}
	if again, _ := get("/v1/products/p-1", 0, rec.Header().Get("ETag")); again.Code != 304 {
		t.Fatalf("revalidation: %d", again.Code)
	}
	// The detail is cached now: a reprice must not be hidden by it.
	pos := h.Add("product-p-1", product.Repriced{SKU: "oud-50", Prices: prices(39900), At: at})
	if _, d := get("/v1/products/p-1", pos, ""); d.Variants[0].Prices["AED"].Amount != 39900 || d.Revision != 1 {
		t.Fatalf("after the reprice: %+v", d.Variants[0])
	}
	pos = h.Add("inventory-oud-50@dxb", inventory.Reserved{SKU: "oud-50", Location: "dxb", ReservationID: "r", OrderID: "o", Quantity: 4, ExpiresAt: at, At: at})
	if _, d := get("/v1/products/p-1", pos, ""); d.Available != 6 {
		t.Fatalf("after a reservation: %+v", d)
	}
	if rec, _ := get("/v1/products/p-9", 0, ""); rec.Code != 404 {
		t.Fatalf("unknown product: %d", rec.Code)
	}
}
