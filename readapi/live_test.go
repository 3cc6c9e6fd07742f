package readapi

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/live"
	"github.com/souq-market/souq/projections/orders"
	"github.com/souq-market/souq/projections/orders/orderq"
	"github.com/souq-market/souq/projections/viewtest"
)

// liveServer serves /v1/live over a real listener: o-1 of customer c-1 with
// vendor v-1's sub-order, o-2 of c-2 with v-2's.
func liveServer(t *testing.T, o live.Options) (*httptest.Server, *live.Memory) {
	reg := viewtest.Registry(order.Events())
	h := viewtest.NewHistory(t, reg)
	for i, c := range []string{"c-1", "c-2"} {
		id := domain.OrderID("o-" + string(rune('1'+i)))
		vendor := domain.VendorID("v-" + string(rune('1'+i)))
		h.Add("order-"+string(id), order.Placed{OrderID: id, CustomerID: domain.CustomerID(c), Country: "AE", PaymentMethod: order.PayOnDelivery,
			SubOrders: []order.SubOrder{{ID: domain.SubOrderID(string(id) + ":1"), VendorID: vendor, Lines: []domain.SKU{"oud-50"}, Subtotal: aed(100), Discount: aed(0), Shipping: aed(0), Total: aed(100), VAT: aed(5), Commission: aed(15)}},
			Totals:    order.Totals{Subtotal: aed(100), Discount: aed(0), Shipping: aed(0), Total: aed(100), VAT: aed(5), Cashback: aed(0), Wallet: aed(0), Due: aed(100)},
			At:        h.At()})
	}
	db := viewtest.SQLite(t)
	viewtest.Project(t, db, h.Store, orders.New(reg))
	callers := map[string]auth.Actor{
		"c1": {UserID: "c-1", Role: auth.Customer}, "c2": {UserID: "c-2", Role: auth.Customer},
		"v1": {UserID: "u-v1", Role: auth.Vendor, VendorID: "v-1"}, "v2": {UserID: "u-v2", Role: auth.Vendor, VendorID: "v-2"},
		"admin": {UserID: "a", Role: auth.Admin}, "inf": {UserID: "i", Role: auth.Influencer},
	}
	fan := live.NewMemory(o, nil)
	api, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(),
		Verify: auth.VerifierFunc(func(_ context.Context, token string) (auth.Actor, error) {
			c, ok := callers[token]
			if !ok {
				return auth.Actor{}, errors.New("unknown token")
			}
			return c, nil
		}),
		Orders: orderq.New(db.R, db.Rebind),
		Live:   &Live{Fanout: fan, Heartbeat: 40 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(func() { _ = fan.Close(); srv.Close() })
	return srv, fan
}

func open(t *testing.T, srv *httptest.Server, token, query, lastID string) (*http.Response, <-chan string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+"/v1/live?"+query, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = res.Body.Close() })
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return res, lines
}

// until reads lines until one equals want, returning those before it.
func until(t *testing.T, lines <-chan string, want string) []string {
	t.Helper()
	var seen []string
	deadline := time.After(5 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("stream ended before %q; saw %q", want, seen)
			}
			if l == want {
				return seen
			}
			seen = append(seen, l)
		case <-deadline:
			t.Fatalf("no %q; saw %q", want, seen)
		}
	}
}

func waitSubscribers(t *testing.T, fan *live.Memory, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); fan.Subscribers() != n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers, want %d", fan.Subscribers(), n)
		}
	}
}

func TestLiveAuthorization(t *testing.T) {
	srv, fan := liveServer(t, live.Options{})
	for _, c := range []struct {
		token, query string
		code         int
	}{
		{"", "order=o-1", 401},
		{"c2", "order=o-1", 403}, // another customer's order
		{"v2", "order=o-1", 403}, // a vendor without a part in it
		{"inf", "order=o-1", 403},
		{"v1", "vendor=v-2", 403}, // another vendor
		{"c1", "vendor=v-1", 403},
		{"c1", "order=o-9", 404},
		{"c1", "order=o-1&vendor=v-1", 400},
		{"c1", "", 400},
		{"c1", "order=a%20b", 400},
		{"c1", "order=o-1&last_event_id=x", 400},
		{"c1", "order=o-1", 200},
		{"v1", "order=o-1", 200},
		{"v1", "vendor=v-1", 200},
		{"admin", "vendor=v-2", 200},
	} {
		res, _ := open(t, srv, c.token, c.query, "")
		if res.StatusCode != c.code {
			t.Errorf("%s %s: %d, want %d", c.token, c.query, res.StatusCode, c.code)
		}
		if c.code == 200 && res.Header.Get("Content-Type") != "text/event-stream" {
			t.Errorf("%s %s: content type %s", c.token, c.query, res.Header.Get("Content-Type"))
		}
		if c.code != 200 && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s %s: not a problem: %s", c.token, c.query, res.Header.Get("Content-Type"))
		}
		_ = res.Body.Close()
	}
	waitSubscribers(t, fan, 0)
}

func TestLiveStream(t *testing.T) {
	srv, fan := liveServer(t, live.Options{History: 3})
	ctx := context.Background()
	_, lines := open(t, srv, "c1", "order=o-1", "")
	waitSubscribers(t, fan, 1)
	msg := func(id uint64, typ string) live.Message {
		return live.Message{ID: id, Channel: live.OrderChannel("o-1"), Type: typ, Data: []byte(`{"order_id":"o-1"}`)}
	}
	_ = fan.Publish(ctx, msg(5, "order.paid"), msg(5, "order.paid"), live.Message{ID: 6, Channel: live.OrderChannel("o-2"), Type: "order.paid"}, msg(7, "order.confirmed"))
	until(t, lines, "id: 5")
	if l := until(t, lines, `data: {"order_id":"o-1"}`); len(l) != 1 || l[0] != "event: order.paid" {
		t.Fatalf("frame of 5: %q", l)
	}
	// The repeat of 5 and o-2's message are not sent: 7 is next.
	if skipped := until(t, lines, "id: 7"); strings.Contains(strings.Join(skipped, "\n"), "id:") {
		t.Fatalf("before 7: %q", skipped)
	}
	until(t, lines, ": ping") // a quiet stream beats

	// A reconnect with Last-Event-ID 5 gets 7 from the history.
	_, again := open(t, srv, "c1", "order=o-1", "5")
	if l := until(t, again, "id: 7"); strings.Contains(strings.Join(l, "\n"), "reset") {
		t.Fatalf("a complete resume said reset: %q", l)
	}
	// Past the kept history (3 messages): told to reload.
	for id := uint64(8); id <= 12; id++ {
		_ = fan.Publish(ctx, msg(id, "order.paid"))
	}
	_, late := open(t, srv, "c1", "order=o-1", "7")
	until(t, late, "event: reset")
	until(t, late, "id: 10")
}

// TestLiveShutdown: closing the fan-out ends every stream at once (what a
// server's shutdown does), and nothing is left running.
func TestLiveShutdown(t *testing.T) {
	srv, fan := liveServer(t, live.Options{})
	before := runtime.NumGoroutine() // the views' pools and the server are counted
	var streams []<-chan string
	for range 5 {
		_, lines := open(t, srv, "v1", "vendor=v-1", "")
		streams = append(streams, lines)
	}
	waitSubscribers(t, fan, 5)
	_ = fan.Close()
	for _, lines := range streams {
		deadline := time.After(5 * time.Second)
	drain:
		for {
			select {
			case _, ok := <-lines:
				if !ok {
					break drain
				}
			case <-deadline:
				t.Fatal("a stream outlived the fan-out")
			}
		}
	}
	srv.Close()
	srv.Client().CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
