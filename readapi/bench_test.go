package readapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/projections/orders"
	"github.com/souq-market/souq/projections/orders/orderq"
	"github.com/souq-market/souq/projections/viewtest"
)

// BenchmarkReadLatency measures order-detail and order-list latency at a
// fixed arrival rate (open loop: each request's latency counts from when it
// was due, so a stall is not hidden) through HTTP on the embedded SQLite
// views, against the same reader called in process on the same schedule,
// in the same run, and against GET /healthz through the same server
// (static/http: the HTTP floor). Run with -benchtime=1x; each run is one
// load of benchRate requests/s for benchFor.
func BenchmarkReadLatency(b *testing.B) {
	const customers, perCustomer = 200, 10
	reg := viewtest.Registry(order.Events())
	h := viewtest.NewHistory(b, reg)
	at := h.At()
	for i := range customers * perCustomer {
		id := domain.OrderID(fmt.Sprintf("o-%05d", i))
		h.Add("order-"+string(id), order.Placed{OrderID: id, CustomerID: domain.CustomerID(fmt.Sprintf("c-%03d", i%customers)), Country: "AE",
			PaymentMethod: order.PayOnDelivery,
			Lines:         []order.PricedLine{{SKU: "oud-50", ProductID: "p-1", VendorID: "v-1", Quantity: 1, UnitPrice: aed(100), Total: aed(100), Discount: aed(0)}},
			SubOrders: []order.SubOrder{{ID: domain.SubOrderID(string(id) + "-s1"), VendorID: "v-1", Lines: []domain.SKU{"oud-50"},
				Subtotal: aed(100), Discount: aed(0), Shipping: aed(0), Total: aed(100), VAT: aed(5), Commission: aed(15)}},
			Totals: order.Totals{Subtotal: aed(100), Discount: aed(0), Shipping: aed(0), Total: aed(100), VAT: aed(5), Cashback: aed(0), Wallet: aed(0), Due: aed(100)},
			At:     at.Add(time.Duration(i) * time.Second)})
	}
	db := viewtest.SQLite(b)
	viewtest.Project(b, db, h.Store, orders.New(reg))
	db.R.SetMaxOpenConns(4)
	db.R.SetMaxIdleConns(4)
	rd := orderq.New(db.R, db.Rebind)
	api, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(), Orders: rd,
		Verify: auth.VerifierFunc(func(context.Context, string) (auth.Actor, error) {
			return auth.Actor{UserID: "a", Role: auth.Admin}, nil
		})})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}}
	httpGet := func(path string) error {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer t")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 200 {
			return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		return nil
	}
	ctx := context.Background()
	detail := func(i int) string { return fmt.Sprintf("o-%05d", (i*7919)%(customers*perCustomer)) }
	customer := func(i int) string { return fmt.Sprintf("c-%03d", (i*31)%customers) }
	for _, s := range []struct {
		name string
		call func(i int) error
	}{
		// The floor, the same load through the same server and middleware
		// to a route that reads nothing: whatever tail it shows is the
		// machine's (scheduling, GC), not a view's.
		{"static/http", func(int) error { return httpGet("/healthz") }},
		{"detail/inprocess", func(i int) error { _, err := rd.Get(ctx, detail(i)); return err }},
		{"detail/http", func(i int) error { return httpGet("/v1/orders/" + detail(i)) }},
		{"list/inprocess", func(i int) error {
			_, _, err := rd.List(ctx, orderq.Filter{Customer: customer(i)}, nil, 20)
			return err
		}},
		{"list/http", func(i int) error { return httpGet("/v1/orders?limit=20&customer=" + customer(i)) }},
	} {
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				lat, err := load(benchRate, benchFor, s.call)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(pct(lat, 50), "p50-µs")
				b.ReportMetric(pct(lat, 99), "p99-µs")
				b.ReportMetric(float64(len(lat))/benchFor.Seconds(), "req/s")
			}
		})
	}
}

const (
	benchRate = 2000
	benchFor  = 3 * time.Second
)

// load calls fn at rate per second for d, each call in its own goroutine,
// and returns each call's latency counted from when it was due.
func load(rate int, d time.Duration, fn func(i int) error) ([]time.Duration, error) {
	n := int(d.Seconds() * float64(rate))
	interval := time.Second / time.Duration(rate)
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if w := time.Until(due); w > 0 {
			time.Sleep(w)
		}
		wg.Go(func() {
			err := fn(i)
			lat[i] = time.Since(due)
			if err != nil {
				mu.Lock()
				first = err
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return lat, first
}

func pct(lat []time.Duration, p float64) float64 {
	s := slices.Clone(lat)
	slices.Sort(s)
	return float64(s[int(float64(len(s)-1)*p/100)].Microseconds())
}
