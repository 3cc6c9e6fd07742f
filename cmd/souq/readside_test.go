package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/commandstest"
	ordercmd "github.com/souq-market/souq/commands/order"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/sqlite"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/orders"
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

// seedCustomers registers customers in the data dir's event store before
// souq starts, each with a home address in the UAE to ship to (what
// checkout needs; the identity routes are not these tests' subject).
func seedCustomers(t *testing.T, dir string, ids ...domain.CustomerID) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "events.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	x := commands.NewExecutor(st, commands.NewRegistry(), commands.Options{})
	for _, id := range ids {
		commandstest.Customer(t, x, id, domain.UAE)
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
	// Generous: under -race on a loaded 2-core CI machine a first request
	// (bcrypt, key creation, group commit) once took over 10 s.
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
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
	seedCustomers(t, dir, "c-1")
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
	t.Logf("read-your-write answered in %s", time.Since(start))
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
	// Revalidation: the same answer is a 304 without a body. The process
	// managers are still moving the order (reserve, pay, confirm), so a
	// revalidation may meet a newer order: that is a 200 with another ETag,
	// and the check is made again on the newer one.
	for etag, tries := resp.Header.Get("ETag"), 0; ; tries++ {
		again, _ := customerR.do("GET", "/v1/orders/o-1", "", "If-None-Match", etag)
		if again.StatusCode == 304 && again.Header.Get("ETag") == etag {
			break
		}
		if again.StatusCode != 200 || again.Header.Get("ETag") == etag || tries == 50 {
			t.Fatalf("If-None-Match %s: %d, ETag %s", etag, again.StatusCode, again.Header.Get("ETag"))
		}
		etag = again.Header.Get("ETag")
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
	// The process managers run on a runner of their own, started after the
	// servers: their metrics are on the same /metrics, told apart by label.
	status, body := httpGet(t, r+"/metrics")
	for _, want := range []string{`souq_projection_position{projector="orders",runner="read"}`,
		`souq_projection_state{projector="process.checkout",runner="process",state="running"} 1`} {
		if status != 200 || !strings.Contains(body, want) {
			t.Fatalf("/metrics lacks %s: %d %.500s", want, status, body)
		}
	}
}

// staticCatalog sells every SKU at one price, each from its own vendor.
type staticCatalog struct{}

func (staticCatalog) Offer(_ context.Context, sku domain.SKU, _ domain.Country) (ordercmd.Offer, error) {
	price, _ := domain.New(12_500, domain.AED)
	return ordercmd.Offer{ProductID: domain.ProductID("p-" + string(sku)), VendorID: domain.VendorID("v-" + string(sku)),
		UnitPrice: price, CommissionRate: 1500}, nil
}

// BenchmarkProjectionLag places checkouts through the commands executor at
// a fixed rate (LAG_BENCH_RATE per second, default 100, for 5 s) into the
// embedded SQLite event store while every read-model projector runs as
// `souq serve` runs them, and samples the runner's Status every 20 ms:
// lag in events and seconds, p50/p99/max over the samples, of the orders
// view and of the slowest view at each sample. Open loop: a slow append
// does not slow the arrivals. Run with -benchtime 1x.
func BenchmarkProjectionLag(b *testing.B) {
	rate := 100
	if s := os.Getenv("LAG_BENCH_RATE"); s != "" {
		rate, _ = strconv.Atoi(s)
	}
	const dur = 5 * time.Second
	for b.Loop() {
		dir := b.TempDir()
		ctx := context.Background()
		st, err := sqlite.Open(ctx, filepath.Join(dir, "events.db"), sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		w, r, err := openSQLiteViews(filepath.Join(dir, "views.db"))
		if err != nil {
			b.Fatal(err)
		}
		reg := commands.NewRegistry()
		runner, err := projections.New(ctx, projections.Options{DB: w, Dialect: projections.SQLite(), Store: st,
			Logger: slog.New(slog.DiscardHandler)}, readProjectors(reg)...)
		if err != nil {
			b.Fatal(err)
		}
		rctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = runner.Run(rctx) }()

		exec := commands.NewExecutor(st, reg, commands.Options{})
		for c := range 500 { // the customers below, with an address to ship to
			commandstest.Customer(b, exec, domain.CustomerID(fmt.Sprintf("c-%d", c)), domain.UAE)
		}
		checkout := ordercmd.Checkout{Deps: ordercmd.Deps{Exec: exec, Now: time.Now},
			Catalog: staticCatalog{}, Policy: ordercmd.Policy{ReturnWindowDays: 14}}
		var orderLag, worstLag, orderSec, worstSec []float64
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-rctx.Done():
					return
				case <-tick.C:
				}
				sts, err := runner.Status(rctx)
				if err != nil {
					continue
				}
				var wl, ws float64
				for _, s := range sts {
					wl, ws = max(wl, float64(s.LagEvents)), max(ws, s.LagSeconds)
					if s.Name == orders.Name {
						orderLag, orderSec = append(orderLag, float64(s.LagEvents)), append(orderSec, s.LagSeconds)
					}
				}
				worstLag, worstSec = append(worstLag, wl), append(worstSec, ws)
			}
		}()
		var wg sync.WaitGroup
		var failed atomic.Int64
		n := int(dur.Seconds()) * rate
		start := time.Now()
		for i := range n {
			if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); d > 0 {
				time.Sleep(d)
			}
			wg.Go(func() {
				cart := ordercmd.Cart{OrderID: domain.OrderID(fmt.Sprintf("o-%06d", i)), CustomerID: domain.CustomerID(fmt.Sprintf("c-%d", i%500)),
					Country: domain.UAE, PaymentMethod: order.PayOnDelivery,
					Lines: []ordercmd.CartLine{{SKU: domain.SKU(fmt.Sprintf("s%d", i%7)), Quantity: 1}, {SKU: domain.SKU(fmt.Sprintf("s%d", 7+i%5)), Quantity: 2}}}
				if _, err := checkout.Handle(ctx, cart, commands.Meta{Actor: eventstore.Actor{UserID: string(cart.CustomerID), Role: "customer"}}); err != nil {
					failed.Add(1)
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		head, _ := st.Head(ctx)
		wctx, wcancel := context.WithTimeout(ctx, time.Minute)
		for _, name := range runner.Names() {
			if err := runner.WaitFor(wctx, name, head); err != nil {
				b.Fatalf("%s never caught up: %v", name, err)
			}
		}
		wcancel()
		stop()
		<-done
		<-sampled
		_ = r.Close()
		_ = w.Close()
		_ = st.Close()
		if failed.Load() > 0 {
			b.Fatalf("%d of %d checkouts failed", failed.Load(), n)
		}
		b.ReportMetric(float64(n)/elapsed.Seconds(), "checkouts/s")
		b.ReportMetric(quantile(orderLag, 50), "orders-lag-p50-ev")
		b.ReportMetric(quantile(orderLag, 99), "orders-lag-p99-ev")
		b.ReportMetric(quantile(orderLag, 100), "orders-lag-max-ev")
		b.ReportMetric(quantile(orderSec, 50)*1000, "orders-lag-p50-ms")
		b.ReportMetric(quantile(orderSec, 99)*1000, "orders-lag-p99-ms")
		b.ReportMetric(quantile(orderSec, 100)*1000, "orders-lag-max-ms")
		b.ReportMetric(quantile(worstLag, 99), "worst-view-lag-p99-ev")
		b.ReportMetric(quantile(worstSec, 99)*1000, "worst-view-lag-p99-ms")
		b.ReportMetric(0, "ns/op")
	}
}

func quantile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p/100)]
}
