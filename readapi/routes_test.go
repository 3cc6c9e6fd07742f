package readapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
	invview "github.com/souq-market/souq/projections/inventory"
	"github.com/souq-market/souq/projections/inventory/stockq"
	"github.com/souq-market/souq/projections/orders"
	"github.com/souq-market/souq/projections/orders/orderq"
	"github.com/souq-market/souq/projections/shipments"
	"github.com/souq-market/souq/projections/shipments/shipmentq"
	"github.com/souq-market/souq/projections/viewtest"
	"github.com/souq-market/souq/projections/wallets"
	"github.com/souq-market/souq/projections/wallets/walletq"
)

func aed(n int64) domain.Money { m, _ := domain.New(n, domain.AED); return m }

// coreAPI serves the orders, wallets, shipments and inventory views of a
// small history: c-1 with five orders and a wallet, c-2 with one order, a
// parcel of v-1 for o-1, stock of v-1's oud-50. Tokens are caller names.
func coreAPI(t *testing.T, wait Waiter) *httpx.API {
	reg := viewtest.Registry(order.Events(), wallet.Events(), shipment.Events(), inventory.Events(), []domain.Event{product.Listed{}})
	h := viewtest.NewHistory(t, reg)
	at := h.At()
	for i, c := range []string{"c-1", "c-1", "c-1", "c-1", "c-1", "c-2"} {
		id := domain.OrderID("o-" + string(rune('1'+i)))
		h.Add("order-"+string(id), order.Placed{OrderID: id, CustomerID: domain.CustomerID(c), Country: "AE", PaymentMethod: order.PayOnDelivery,
			SubOrders: []order.SubOrder{{ID: domain.SubOrderID(string(id) + "-s1"), VendorID: "v-1", Lines: []domain.SKU{"oud-50"}, Subtotal: aed(100), Discount: aed(0), Shipping: aed(0), Total: aed(100), VAT: aed(5), Commission: aed(15)}},
			Totals:    order.Totals{Subtotal: aed(100), Discount: aed(0), Shipping: aed(0), Total: aed(100), VAT: aed(5), Cashback: aed(0), Wallet: aed(0), Due: aed(100)},
			At:        at.Add(time.Duration(i) * time.Minute)})
	}
	h.Add("wallet-w-1", wallet.Opened{WalletID: "w-1", CustomerID: "c-1", Currency: domain.AED, At: at})
	for range 3 {
		h.Add("wallet-w-1", wallet.Credited{Reference: "t", Source: wallet.SourceTopUp, Amount: aed(100),
			Entries: []wallet.Entry{{Account: wallet.TopUps, Amount: aed(-100)}, {Account: wallet.Available, Amount: aed(100)}}, At: at})
	}
	h.Add("shipment-sh-1", shipment.Created{ShipmentID: "sh-1", OrderID: "o-1", SubOrderID: "o-1-s1", VendorID: "v-1", Carrier: shipment.DHL, TrackingNumber: "TRK1", LabelKey: "labels/v-1/l.pdf", At: at})
	h.Add("product-p-1", product.Listed{ProductID: "p-1", VendorID: "v-1", Variants: []product.Variant{{SKU: "oud-50"}}, At: at})
	h.Add("inventory-oud-50@dxb", inventory.Received{SKU: "oud-50", Location: "dxb", Quantity: 7, At: at})

	db := viewtest.SQLite(t)
	viewtest.Project(t, db, h.Store, orders.New(reg), wallets.New(reg), shipments.New(reg), invview.New(reg))
	callers := map[string]auth.Actor{
		"c1": {UserID: "c-1", Role: auth.Customer}, "c2": {UserID: "c-2", Role: auth.Customer},
		"v1": {UserID: "u-v1", Role: auth.Vendor, VendorID: "v-1"}, "v2": {UserID: "u-v2", Role: auth.Vendor, VendorID: "v-2"},
		"admin": {UserID: "a", Role: auth.Admin}, "auditor": {UserID: "au", Role: auth.Auditor}, "influencer": {UserID: "i", Role: auth.Influencer},
	}
	api, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(), MaxWait: 100 * time.Millisecond, Wait: wait,
		Verify: auth.VerifierFunc(func(_ context.Context, token string) (auth.Actor, error) {
			if c, ok := callers[token]; ok {
				return c, nil
			}
			return auth.Actor{}, errors.New("unknown token")
		}),
		Orders: orderq.New(db.R, db.Rebind), Wallets: walletq.New(db.R, db.Rebind), Shipments: shipmentq.New(db.R, db.Rebind), Inventory: stockq.New(db.R, db.Rebind)})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func serve(api *httpx.API, token, path string, headers ...string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	api.Handler().ServeHTTP(rec, req)
	return rec
}

func TestCoreRoutes(t *testing.T) {
	api := coreAPI(t, nil)
	for _, c := range []struct {
		token, path string
		code        int
		want        string
	}{
		{"c1", "/v1/orders", 200, `"order_id":"o-5"`},
		{"c1", "/v1/orders?customer=c-2", 403, "auth.not_owner"},
		{"admin", "/v1/orders?customer=c-2", 200, `"order_id":"o-6"`},
		{"auditor", "/v1/orders/o-1", 200, `"customer_id":"c-1"`},
		{"c1", "/v1/orders/o-1", 200, `"timeline":[`},
		{"c2", "/v1/orders/o-1", 403, "auth.not_owner"},
		{"v1", "/v1/orders/o-1", 403, "auth.forbidden"},
		{"", "/v1/orders/o-1", 401, "auth.token_missing"},
		{"forged", "/v1/orders/o-1", 401, "auth.token_invalid"},
		{"admin", "/v1/orders/o-404", 404, "view.not_found"},
		{"c1", "/v1/orders?limit=0", 400, "request.bad_limit"},
		{"c1", "/v1/orders?limit=101", 400, "request.bad_limit"},
		{"c1", "/v1/orders?cursor=eyJ4Ijo", 400, "request.bad_cursor"},
		{"c1", "/v1/orders?status=%01", 400, "request.bad_parameter"},

		{"c1", "/v1/wallets/w-1", 200, `"available":{"amount":300,"currency":"AED"}`},
		{"c2", "/v1/wallets/w-1", 403, "auth.not_owner"},
		{"c1", "/v1/wallets/w-1/statement", 200, `"revision":3`},
		{"c2", "/v1/wallets/w-1/statement", 403, "auth.not_owner"},
		{"v1", "/v1/wallets/w-1", 403, "auth.forbidden"},
		{"admin", "/v1/wallets/w-9", 404, "view.not_found"},

		{"c1", "/v1/shipments/TRK1", 200, `"carrier":"dhl"`},
		{"c2", "/v1/shipments/TRK1", 403, "auth.not_owner"},
		{"v1", "/v1/shipments/TRK1?carrier=dhl", 200, `"status":"created"`},
		{"v2", "/v1/shipments/TRK1", 403, "auth.not_owner"},
		{"admin", "/v1/shipments/TRK1?carrier=smsa", 404, "view.not_found"},
		{"v1", "/v1/shipments/by-id/sh-1", 200, `"tracking_number":"TRK1"`},
		{"v2", "/v1/shipments/by-id/sh-1", 403, "auth.not_owner"},
		{"c2", "/v1/shipments/by-id/sh-1", 403, "auth.not_owner"},
		{"admin", "/v1/shipments/by-id/sh-9", 404, "view.not_found"},

		{"v1", "/v1/inventory/oud-50", 200, `"available":7`},
		{"v1", "/v1/inventory/oud-50?location=dxb", 200, `"location":"dxb"`},
		{"v2", "/v1/inventory/oud-50", 403, "auth.not_owner"},
		{"c1", "/v1/inventory/oud-50", 403, "auth.forbidden"},
		{"influencer", "/v1/inventory/oud-50", 403, "auth.forbidden"},
		{"auditor", "/v1/inventory/oud-50?location=ruh", 404, "view.not_found"},
	} {
		rec := serve(api, c.token, c.path)
		if rec.Code != c.code || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s GET %s: %d %s, want %d with %s", c.token, c.path, rec.Code, rec.Body, c.code, c.want)
		}
		if c.code >= 400 && rec.Header().Get("Content-Type") != httpx.ContentType {
			t.Errorf("%s GET %s: error as %s", c.token, c.path, rec.Header().Get("Content-Type"))
		}
	}

	// The label's key is on the page for its vendor and staff, who may
	// have a link to it (GET /v1/blob-links), and not for the customer,
	// whom that route refuses.
	for _, path := range []string{"/v1/shipments/TRK1", "/v1/shipments/by-id/sh-1"} {
		for token, shown := range map[string]bool{"v1": true, "admin": true, "auditor": true, "c1": false} {
			rec := serve(api, token, path)
			var tr shipmentq.Tracking
			if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &tr) != nil {
				t.Fatalf("%s GET %s: %d %s", token, path, rec.Code, rec.Body)
			}
			if got := tr.LabelKey == "labels/v-1/l.pdf"; got != shown || (!shown && (strings.Contains(rec.Body.String(), "label_key") || strings.Contains(rec.Body.String(), "labels/"))) {
				t.Errorf("%s GET %s: the page shows the label key %v, want %v: %s", token, path, got, shown, rec.Body)
			}
		}
	}

	// c-1's orders two a page by next links: newest first, each once.
	var got []string
	next := "/v1/orders?limit=2"
	for next != "" {
		rec := serve(api, "c1", next)
		var page struct {
			Items []orderq.Summary
			Next  string
		}
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &page) != nil {
			t.Fatalf("GET %s: %d %s", next, rec.Code, rec.Body)
		}
		for _, s := range page.Items {
			got = append(got, s.OrderID)
		}
		next = page.Next
	}
	if strings.Join(got, " ") != "o-5 o-4 o-3 o-2 o-1" {
		t.Fatalf("pages: %v", got)
	}

	// ETags: the same answer revalidates to a bodiless 304, another does not.
	rec := serve(api, "c1", "/v1/orders/o-1")
	etag := rec.Header().Get("ETag")
	if etag == "" || rec.Header().Get("Cache-Control") != "private, no-cache" {
		t.Fatalf("headers: %v", rec.Header())
	}
	if rec := serve(api, "c1", "/v1/orders/o-1", "If-None-Match", `"x", `+etag); rec.Code != 304 || rec.Body.Len() != 0 {
		t.Fatalf("If-None-Match: %d %s", rec.Code, rec.Body)
	}
	if rec := serve(api, "c1", "/v1/orders/o-2", "If-None-Match", etag); rec.Code != 200 {
		t.Fatalf("another order's ETag matched: %d", rec.Code)
	}

	// Every route is in /openapi.json, and nothing else.
	var doc map[string]any
	if err := json.Unmarshal(serve(api, "", "/openapi.json").Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if m := httpx.Mismatches(api.Router(), doc); len(m) > 0 {
		t.Fatalf("router and document disagree:\n%s", strings.Join(m, "\n"))
	}
	if paths := doc["paths"].(map[string]any); len(paths) < 10 {
		t.Fatalf("only %d paths documented", len(paths))
	}
}

// TestMinPosition: a read waits for the views it reads to reach the
// position, at most MaxWait, then answers what is there marked behind.
func TestMinPosition(t *testing.T) {
	var asked []string
	api := coreAPI(t, func(ctx context.Context, view string, pos uint64) error {
		asked = append(asked, view)
		if pos <= 100 { // caught up
			return nil
		}
		<-ctx.Done()
		return ctx.Err()
	})
	rec := serve(api, "c1", "/v1/orders/o-1", HeaderMinPosition, "42")
	if rec.Code != 200 || rec.Header().Get(HeaderBehind) != "" || strings.Join(asked, ",") != "orders" {
		t.Fatalf("caught up: %d %v, waited on %v", rec.Code, rec.Header(), asked)
	}
	start := time.Now()
	rec = serve(api, "c1", "/v1/inventory/oud-50", HeaderMinPosition, "500", "Authorization", "Bearer v1")
	if took := time.Since(start); rec.Code != 200 || rec.Header().Get(HeaderBehind) != "true" || took < 100*time.Millisecond || took > 10*time.Second { // bounded wait; generous margin for loaded machines
		t.Fatalf("behind: %d %v after %s", rec.Code, rec.Header(), took)
	}
	for _, bad := range []string{"-1", "x", "1e3"} {
		if rec := serve(api, "c1", "/v1/orders/o-1", HeaderMinPosition, bad); rec.Code != 400 || !strings.Contains(rec.Body.String(), CodeBadMinPosition) {
			t.Errorf("%s %q: %d %s", HeaderMinPosition, bad, rec.Code, rec.Body)
		}
	}
}
