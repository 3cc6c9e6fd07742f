package writeapi

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/commands/process"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/paytabs"
	"github.com/souq-market/souq/internal/paytabs/paytabstest"
	"github.com/souq-market/souq/internal/telr"
	"github.com/souq-market/souq/internal/telr/telrtest"
)

// TestCheckoutThroughGulfGateways is a card checkout end to end through
// each GCC gateway's stub, wired as cmd/souq wires it: POST /v1/orders →
// the checkout manager creates the hosted page → the session answers its
// URL → the customer pays on it → the gateway's notification (PayTabs'
// signed callback, Telr's advice checked back) → the order is paid and
// confirmed, the session then empty. No event holds the page's URL.
func TestCheckoutThroughGulfGateways(t *testing.T) {
	for _, tc := range []struct {
		name string
		// setup returns the gateway, its webhooks, how the customer pays a
		// page, and what the provider then notifies, as (path, body,
		// headers) deliveries.
		setup func(t *testing.T) (paycmd.Gateway, GulfWebhooks, func(ref string) error, func() [][3]string)
	}{
		{"PayTabs", func(t *testing.T) (paycmd.Gateway, GulfWebhooks, func(string) error, func() [][3]string) {
			stub := paytabstest.New(987654, paytabsKey)
			t.Cleanup(stub.Close)
			gw, err := paytabs.New(paytabs.Config{ProfileID: 987654, ServerKey: paytabsKey, URL: stub.URL, ReturnURL: "https://shop.example/done"})
			if err != nil {
				t.Fatal(err)
			}
			notes := func() (out [][3]string) {
				for _, c := range stub.Callbacks() {
					out = append(out, [3]string{"/webhooks/paytabs", string(c.Body), c.Signature})
				}
				return out
			}
			return gw, GulfWebhooks{PayTabsServerKey: paytabsKey}, func(ref string) error { return stub.Pay(ref, true) }, notes
		}},
		{"Telr", func(t *testing.T) (paycmd.Gateway, GulfWebhooks, func(string) error, func() [][3]string) {
			stub := telrtest.New(telrStore, telrKey, telrKey)
			t.Cleanup(stub.Close)
			gw, err := telr.New(telr.Config{StoreID: telrStore, AuthKey: telrKey, URL: stub.URL, Test: true, ReturnURL: "https://shop.example/done"})
			if err != nil {
				t.Fatal(err)
			}
			notes := func() (out [][3]string) {
				for _, b := range stub.Advices() {
					out = append(out, [3]string{"/webhooks/telr", string(b), ""})
				}
				return out
			}
			return gw, GulfWebhooks{Telr: gw, TelrStore: telrStore}, func(ref string) error { return stub.Pay(ref, true) }, notes
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gw, hooks, pay, notes := tc.setup(t)
			e := newEnv(t, func(d *Deps) { d.Gateway, d.Webhooks = gw, Webhooks{Gulf: hooks} })
			ctx := context.Background()
			checkout := process.NewCheckout(process.Checkout{Deps: process.Deps{Exec: e.exec, Logger: slog.New(slog.DiscardHandler)}, Gateway: gw})
			var seen eventstore.Position
			pump := func() { // the checkout manager, until it has nothing left to do
				t.Helper()
				for {
					recs, err := e.store.ReadAll(ctx, seen, 1000)
					if err != nil {
						t.Fatal(err)
					}
					if len(recs) == 0 {
						return
					}
					if err := checkout.Handle(ctx, recs); err != nil {
						t.Fatal(err)
					}
					seen = recs[len(recs)-1].Position
				}
			}
			tc1 := e.token(auth.Customer, "c-1")
			if rec := e.post("/v1/inventory/oud-50/receipts", e.token(auth.Vendor, "v-1"), `{"location":"`+string(process.DefaultLocation)+`","quantity":3}`); rec.Code != 200 {
				t.Fatalf("stock: %d %s", rec.Code, rec.Body)
			}
			if rec := e.post("/v1/orders", tc1, `{"order_id":"o-g","country":"AE","payment_method":"card","lines":[{"sku":"oud-50","quantity":2}]}`); rec.Code != 201 {
				t.Fatalf("checkout: %d %s", rec.Code, rec.Body)
			}
			pump()
			s := session(t, e.get("/v1/orders/o-g/payment", tc1))
			ref := e.paymentOf(s.PaymentID).ProviderRef()
			if s.Status != payment.StatusInitiated || s.Provider != gw.Provider() || !strings.HasPrefix(s.ClientSecret, "http") {
				t.Fatalf("session after the start: %+v (reference %s)", s, ref)
			}
			if err := pay(ref); err != nil {
				t.Fatal(err)
			}
			for _, n := range notes() {
				header := paytabs.SignatureHeader
				if n[2] == "" {
					header = "X-Unsigned"
				}
				if rec := e.post(n[0], "", n[1], header, n[2]); rec.Code != 200 {
					t.Fatalf("%s %s: %d %s", n[0], n[1], rec.Code, rec.Body)
				}
			}
			pump()
			if p := e.paymentOf(s.PaymentID); p.Status() != payment.StatusCaptured || p.Captured() != p.Amount() {
				t.Fatalf("payment %s, captured %v of %v", p.Status(), p.Captured(), p.Amount())
			}
			o, err := existing(ctx, e.exec, "order-o-g", func() *order.Order { return order.New("o-g") }, nil)
			if err != nil || o.Status() != order.StatusConfirmed {
				t.Fatalf("order: %v %v, want confirmed", o.Status(), err)
			}
			if s = session(t, e.get("/v1/orders/o-g/payment", tc1)); s.Status != payment.StatusCaptured || s.ClientSecret != "" {
				t.Fatalf("session of a paid order: %+v", s)
			}
			recs, err := e.store.ReadAll(ctx, 0, 10_000)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				if strings.Contains(string(r.Data), "/payment/page/") || strings.Contains(string(r.Data), "process.html") {
					t.Fatalf("%s holds the page URL: %s", r.Type, r.Data)
				}
			}
		})
	}
}
