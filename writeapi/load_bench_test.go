package writeapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/commandstest"
	ordercmd "github.com/souq-market/souq/commands/order"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/postgres"
	"github.com/souq-market/souq/eventstore/sqlite"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/testenv/pgtest"
	"github.com/souq-market/souq/writeapi/catalog"
)

// loadRate is the fixed arrival rate of the open-loop runs: below what
// either store sustains through HTTP on the 2-core machine, so latency is
// measured at a load the server keeps up with, not in a queue.
const loadRate = 200

// BenchmarkCheckoutLoad measures checkouts (a 2-line, 2-vendor cart, as a
// customer) through the write API over a real loopback TCP connection —
// token check, decoding, idempotency key, catalog, command, JSON answer —
// against the baseline: the same carts through ordercmd.Checkout.Handle in
// process, on the same kind of store with the same catalog, in the same run.
//
// Two shapes per store, each running both paths on one store, the
// baseline first, so every ratio pairs runs seconds apart on the shared
// machine:
//   - closed: 16 clients back to back, b.N checkouts; the throughput ceiling.
//   - open: b.N checkouts sent at loadRate per second on a fixed schedule,
//     each latency taken from its scheduled send time, so a stalled server
//     is charged for the requests it delayed (no coordinated omission).
//
// Each reports cmd/s and p50/p99 latency in ms of both paths (inproc-,
// http-) and the ratios http÷inproc (x-cmd/s, x-p50, x-p99).
//
//	go test -run '^$' -bench CheckoutLoad -benchtime 1000x -count 5 ./writeapi
func BenchmarkCheckoutLoad(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) eventstore.Store
	}{
		{"sqlite", func(b *testing.B) eventstore.Store {
			st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "events.db"), sqlite.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = st.Close() })
			return st
		}},
		{"postgres", openLoadPostgres},
	}
	for _, s := range stores {
		for _, shape := range []string{"closed", "open"} {
			b.Run(s.name+"/"+shape, func(b *testing.B) {
				l := newLoad(b, s.open(b))
				run := func(do func(context.Context) error) stats {
					if shape == "closed" {
						return closedLoop(b, 16, do)
					}
					return openLoop(b, loadRate, do)
				}
				http := l.overHTTP(b)
				// Warm both paths up untimed: catalog loaded, pool and
				// keep-alive connections open, so neither pays for them.
				for _, do := range []func(context.Context) error{l.inProcess, http} {
					warm(b, do)
				}
				base := run(l.inProcess)
				got := run(http)
				if b.Failed() {
					return
				}
				b.ReportMetric(0, "ns/op") // the wall time of both paths: meaningless
				base.report(b, "inproc-")
				got.report(b, "http-")
				b.ReportMetric(got.rate/base.rate, "x-cmd/s")
				b.ReportMetric(got.p50/base.p50, "x-p50")
				b.ReportMetric(got.p99/base.p99, "x-p99")
			})
		}
	}
}

// load is a store with two vendors' products on sale and what checks
// carts out on it.
type load struct {
	checkout ordercmd.Checkout
	api      http.Handler
	token    string
	actor    auth.Actor
	n        atomic.Int64
}

func newLoad(b *testing.B, store eventstore.Store) *load {
	b.Helper()
	logger := slog.New(slog.DiscardHandler)
	exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{Logger: logger})
	e := &env{t: b, store: store, exec: exec}
	e.list("p-1", "v-1", "oud-50")
	e.list("p-2", "v-2", "musk-30")
	commandstest.Customer(b, exec, "c-1", domain.UAE) // checkout ships to c-1's default address
	signer := testVerifier(b)
	cat := catalog.New(store, exec.Registry(), 1500)
	api, err := New(Deps{Store: store, Exec: exec, Auth: signer, Catalog: cat, Logger: logger,
		Registry: prometheus.NewRegistry(), Version: "bench", DefaultCommission: 1500})
	if err != nil {
		b.Fatal(err)
	}
	actor := auth.Actor{UserID: "c-1", Role: auth.Customer}
	tok, err := signer.Sign(actor, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	return &load{checkout: ordercmd.Checkout{Deps: ordercmd.Deps{Exec: exec, Now: time.Now}, Catalog: cat},
		api: api.Handler(), token: tok, actor: actor}
}

// inProcess checks a fresh cart out through the handler, with the meta the
// HTTP route would derive from an Idempotency-Key.
func (l *load) inProcess(ctx context.Context) error {
	id := domain.OrderID(fmt.Sprintf("o-%d", l.n.Add(1)))
	key := uuid.NewString()
	a := eventActor(l.actor)
	_, err := l.checkout.Handle(ctx, ordercmd.Cart{OrderID: id, CustomerID: domain.CustomerID(l.actor.UserID), Country: domain.UAE,
		PaymentMethod: order.PayOnDelivery, Lines: []ordercmd.CartLine{{SKU: "oud-50", Quantity: 1}, {SKU: "musk-30", Quantity: 2}}},
		commands.Meta{Actor: a, IdempotencyKey: key, CommandID: commands.IdempotentID(a, key)})
	return err
}

// overHTTP serves the write API on loopback TCP and returns a checkout
// through it with a distinct Idempotency-Key each.
func (l *load) overHTTP(b *testing.B) func(context.Context) error {
	srv := httptest.NewServer(l.api)
	b.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}}
	b.Cleanup(client.CloseIdleConnections)
	url := srv.URL + "/v1/orders"
	return func(ctx context.Context) error {
		body := fmt.Sprintf(`{"order_id":"o-%d","country":"AE","payment_method":"cod","lines":[{"sku":"oud-50","quantity":1},{"sku":"musk-30","quantity":2}]}`, l.n.Add(1))
		req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewBufferString(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+l.token)
		req.Header.Set("Idempotency-Key", uuid.NewString())
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		got, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("status %d: %s", resp.StatusCode, got)
		}
		return nil
	}
}

// warm runs 64 calls over 16 clients.
func warm(b *testing.B, do func(context.Context) error) {
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 4 {
				if err := do(context.Background()); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// stats are a run's throughput and latency percentiles (ms).
type stats struct{ rate, p50, p99 float64 }

func measure(lat []time.Duration, elapsed time.Duration) stats {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
	}
	return stats{rate: float64(len(lat)) / elapsed.Seconds(), p50: pct(0.50), p99: pct(0.99)}
}

func (s stats) report(b *testing.B, prefix string) {
	b.ReportMetric(s.rate, prefix+"cmd/s")
	b.ReportMetric(s.p50, prefix+"p50-ms")
	b.ReportMetric(s.p99, prefix+"p99-ms")
}

// closedLoop runs b.N calls over the given number of clients, each sending
// its next as soon as its last is answered.
func closedLoop(b *testing.B, clients int, do func(context.Context) error) stats {
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				t0 := time.Now()
				if err := do(context.Background()); err != nil {
					b.Error(err)
					return
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	return measure(lat, time.Since(start))
}

// openLoop sends b.N calls at rate per second on a fixed schedule, each
// from its own goroutine, and times each from when it was due.
func openLoop(b *testing.B, rate int, do func(context.Context) error) stats {
	lat := make([]time.Duration, b.N)
	interval := time.Second / time.Duration(rate)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range b.N {
		due := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(due))
		wg.Go(func() {
			if err := do(context.Background()); err != nil {
				b.Error(err)
				return
			}
			lat[i] = time.Since(due)
		})
	}
	wg.Wait()
	return measure(lat, time.Since(start))
}

// openLoadPostgres opens a store in a schema of the benchmark's own,
// dropped when it ends.
func openLoadPostgres(b *testing.B) eventstore.Store {
	b.Helper()
	url, schema := pgtest.Schema(b, "writeapi_load")
	st, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema, MaxConns: 16})
	if err != nil {
		b.Fatalf("open: %v", err)
	}
	b.Cleanup(func() { _ = st.Close() }) // before pgtest drops the schema
	return st
}
