package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/sqlite"
	"github.com/souq-market/souq/internal/auth"
)

// seedListing lists a product in the data dir's event store before souq
// starts: listing through the API needs an approved vendor, whose
// onboarding is not this test's subject. Everything after goes over HTTP.
func seedListing(t *testing.T, dir, vendor, sku string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "events.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	x := commands.NewExecutor(st, commands.NewRegistry(), commands.Options{})
	aed, _ := domain.New(25000, domain.AED)
	stream, _ := commands.ProductStream("p-1")
	if _, err := commands.Execute(ctx, x, commands.Meta{Actor: eventstore.Actor{UserID: vendor, Role: "vendor"}},
		commands.Step[*product.Product]{Stream: stream, New: func() *product.Product { return product.New("p-1") },
			Decide: func(p *product.Product) error {
				return p.List(product.List{VendorID: domain.VendorID(vendor), Details: product.Details{
					Name: product.Name{English: "Oud Royal", Arabic: "عود"}, Brand: "Souq", Category: product.Oud,
					Gender: product.Unisex, Origin: product.Original,
				}, Variants: []product.Variant{{SKU: domain.SKU(sku), SizeML: 50, Prices: map[domain.Currency]domain.Money{domain.AED: aed}}}}, time.Now())
			}}); err != nil {
		t.Fatal(err)
	}
}

type client struct {
	t     *testing.T
	base  string
	token string
}

func (c client) do(method, path, body string, headers ...string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestReadYourWrites is the read side end to end, as a new user meets it:
// `souq serve` with nothing configured but ports and a data dir; stock and
// an order through the write API with tokens signed by the secret souq
// generated; the order, the customer's list and the stock read back through
// the read API with X-Souq-Min-Position from each write's answer, at once
// and never behind.
func TestReadYourWrites(t *testing.T) {
	dir := t.TempDir()
	seedListing(t, dir, "v-1", "oud-50")
	addrs, stop := startInProcess(t, []string{"serve"}, map[string]string{
		"SOUQ_DATA_DIR": dir, "SOUQ_LOG_FORMAT": "json", "SOUQ_WRITE_ADDR": "127.0.0.1:0", "SOUQ_READ_ADDR": "127.0.0.1:0",
	})
	defer func() {
		if code := stop(); code != exitOK {
			t.Errorf("exit %d", code)
		}
	}()
	secret, err := auth.LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewHMAC(secret, auth.Options{Issuer: "souq", Audience: "souq-api"})
	if err != nil {
		t.Fatal(err)
	}
	token := func(role auth.Role, user string) string {
		tok, err := signer.Sign(auth.Actor{UserID: user, Role: role, VendorID: user}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	w, r := "http://"+addrs["write"], "http://"+addrs["read"]
	vendorW, customerW := client{t, w, token(auth.Vendor, "v-1")}, client{t, w, token(auth.Customer, "c-1")}
	vendorR, customerR := client{t, r, token(auth.Vendor, "v-1")}, client{t, r, token(auth.Customer, "c-1")}
	otherR := client{t, r, token(auth.Customer, "c-2")}

	resp, body := vendorW.do("POST", "/v1/inventory/oud-50/receipts", `{"location":"dxb","quantity":10}`)
	if resp.StatusCode != 200 {
		t.Fatalf("receive stock: %d %s", resp.StatusCode, body)
	}
	pos := resp.Header.Get("X-Souq-Position")
	resp, body = vendorR.do("GET", "/v1/inventory/oud-50", "", "X-Souq-Min-Position", pos)
	if resp.StatusCode != 200 || resp.Header.Get("X-Souq-Behind") != "" || !strings.Contains(body, `"on_hand":10`) {
		t.Fatalf("stock after receipt at %s: %d %v %s", pos, resp.StatusCode, resp.Header, body)
	}

	resp, body = customerW.do("POST", "/v1/orders", `{"order_id":"o-1","country":"AE","payment_method":"cod","lines":[{"sku":"oud-50","quantity":2}]}`)
	if resp.StatusCode != 201 {
		t.Fatalf("checkout: %d %s", resp.StatusCode, body)
	}
	pos = resp.Header.Get("X-Souq-Position")
	start := time.Now()
	resp, body = customerR.do("GET", "/v1/orders/o-1", "", "X-Souq-Min-Position", pos)
	if resp.StatusCode != 200 || resp.Header.Get("X-Souq-Behind") != "" {
		t.Fatalf("order at %s: %d %v %s", pos, resp.StatusCode, resp.Header, body)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("read-your-write took %s", took)
	}
	var o struct {
		OrderID   string `json:"order_id"`
		Total     struct{ Amount int64 }
		Items     int64
		SubOrders []struct {
			VendorID string `json:"vendor_id"`
		} `json:"sub_orders"`
	}
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		t.Fatal(err)
	}
	if o.OrderID != "o-1" || o.Items != 2 || o.Total.Amount != 50000 || len(o.SubOrders) != 1 || o.SubOrders[0].VendorID != "v-1" {
		t.Fatalf("order o-1: %s", body)
	}
	// Revalidation: the same answer is a 304 without a body.
	etag := resp.Header.Get("ETag")
	if resp, _ := customerR.do("GET", "/v1/orders/o-1", "", "If-None-Match", etag); resp.StatusCode != 304 || resp.Header.Get("ETag") != etag {
		t.Fatalf("If-None-Match %s: %d", etag, resp.StatusCode)
	}
	// The list, and the refusals of another customer.
	if resp, body := customerR.do("GET", "/v1/orders?limit=5", "", "X-Souq-Min-Position", pos); resp.StatusCode != 200 || !strings.Contains(body, `"order_id":"o-1"`) {
		t.Fatalf("c-1's orders: %d %s", resp.StatusCode, body)
	}
	if resp, body := otherR.do("GET", "/v1/orders/o-1", ""); resp.StatusCode != 403 || !strings.Contains(body, "auth.not_owner") {
		t.Fatalf("c-2 reading o-1: %d %s", resp.StatusCode, body)
	}
	// A position far ahead: answered with what is there, flagged, after
	// the bounded wait; never a 504.
	ahead, _ := strconv.ParseUint(pos, 10, 64)
	resp, _ = customerR.do("GET", "/v1/orders/o-1", "", "X-Souq-Min-Position", strconv.FormatUint(ahead+1000, 10))
	if resp.StatusCode != 200 || resp.Header.Get("X-Souq-Behind") != "true" {
		t.Fatalf("far ahead: %d %v", resp.StatusCode, resp.Header)
	}
	if status, body := httpGet(t, r+"/readyz"); status != 200 || !strings.Contains(body, `"projections":"ok"`) {
		t.Fatalf("/readyz: %d %s", status, body)
	}
	if status, body := httpGet(t, r+"/metrics"); status != 200 || !strings.Contains(body, `souq_projection_position{projector="orders"}`) {
		t.Fatalf("/metrics lacks the projectors: %d %.500s", status, body)
	}
}
