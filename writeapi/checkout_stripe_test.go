package writeapi

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/souq-market/souq/commands/process"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/auth"
	istripe "github.com/souq-market/souq/internal/stripe"
	"github.com/souq-market/souq/internal/stripe/stripetest"
)

// TestCheckoutThroughStripe is a card checkout end to end against the
// stateful Stripe stub, wired as cmd/souq wires it (automatic capture):
// POST /v1/orders → the checkout manager starts a PaymentIntent → the
// session answers its client secret → the browser confirms and 3-D Secure
// is required (signed webhook) → the session still answers it → the
// customer authenticates, Stripe captures → signed payment_intent.succeeded
// → the order is paid and confirmed. No event holds the client secret.
func TestCheckoutThroughStripe(t *testing.T) {
	stub := stripetest.New()
	t.Cleanup(stub.Close)
	gw, err := istripe.New(istripe.Config{SecretKey: "sk_test_stub", URL: stub.URL, Retries: stripego.Int64(0), AutomaticCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(d *Deps) { d.Gateway, d.Webhooks = gw, Webhooks{StripeSecret: whsec} })
	ctx := context.Background()
	checkout := process.NewCheckout(process.Checkout{Deps: process.Deps{Exec: e.exec, Logger: slog.New(slog.DiscardHandler)}, Gateway: gw})
	var seen eventstore.Position
	pump := func() { // the checkout manager, run until it has nothing left to do
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
	delivered := 0
	deliver := func() { // Stripe's webhooks so far, signed
		t.Helper()
		evs := stub.Events()
		for _, body := range evs[delivered:] {
			sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: whsec, Timestamp: time.Now()}).Header
			req := e.post("/webhooks/stripe", "", string(body), "Stripe-Signature", sig)
			if req.Code != 200 {
				t.Fatalf("webhook %s: %d %s", body, req.Code, req.Body)
			}
		}
		delivered = len(evs)
	}
	tc1 := e.token(auth.Customer, "c-1")
	if rec := e.post("/v1/inventory/oud-50/receipts", e.token(auth.Vendor, "v-1"), `{"location":"`+string(process.DefaultLocation)+`","quantity":3}`); rec.Code != 200 {
		t.Fatalf("stock: %d %s", rec.Code, rec.Body)
	}
	if rec := e.post("/v1/orders", tc1, `{"order_id":"o-s","country":"AE","payment_method":"card","lines":[{"sku":"oud-50","quantity":2}]}`); rec.Code != 201 {
		t.Fatalf("checkout: %d %s", rec.Code, rec.Body)
	}
	if rec := e.get("/v1/orders/o-s/payment", tc1); rec.Code != 404 {
		t.Fatalf("session before the manager started the payment: %d %s", rec.Code, rec.Body)
	}
	pump()
	s := session(t, e.get("/v1/orders/o-s/payment", tc1))
	ref := e.paymentOf(s.PaymentID).ProviderRef()
	if s.Status != payment.StatusInitiated || s.Provider != istripe.Provider || !strings.HasPrefix(ref, "pi_") || s.ClientSecret != ref+"_secret_stub" {
		t.Fatalf("session after the start: %+v (reference %s)", s, ref)
	}
	// The browser confirms with the client secret; the card asks for 3-D Secure.
	if _, err := gw.Confirm(ctx, istripe.ConfirmRequest{Key: "browser", ProviderRef: ref, PaymentMethod: "pm_card_threeDSecure2Required"}); err != nil {
		t.Fatal(err)
	}
	deliver()
	pump()
	if s = session(t, e.get("/v1/orders/o-s/payment", tc1)); s.Status != payment.StatusRequiresAction || s.ClientSecret != ref+"_secret_stub" {
		t.Fatalf("session while 3-D Secure waits: %+v", s)
	}
	if rec := e.get("/v1/orders/o-s/payment", e.token(auth.Customer, "c-2")); rec.Code != 403 || strings.Contains(rec.Body.String(), "secret") {
		t.Fatalf("another customer's look: %d %s", rec.Code, rec.Body)
	}
	if err := stub.Authenticate(ref); err != nil {
		t.Fatal(err)
	}
	deliver()
	pump()
	if p := e.paymentOf(s.PaymentID); p.Status() != payment.StatusCaptured || p.Captured() != p.Amount() {
		t.Fatalf("payment %s, captured %v of %v", p.Status(), p.Captured(), p.Amount())
	}
	o, err := existing(ctx, e.exec, "order-o-s", func() *order.Order { return order.New("o-s") }, nil)
	if err != nil || o.Status() != order.StatusConfirmed {
		t.Fatalf("order: %v %v, want confirmed", o.Status(), err)
	}
	if s = session(t, e.get("/v1/orders/o-s/payment", tc1)); s.Status != payment.StatusCaptured || s.ClientSecret != "" {
		t.Fatalf("session of a paid order: %+v", s)
	}
	recs, err := e.store.ReadAll(ctx, 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if strings.Contains(string(r.Data), "_secret_") {
			t.Fatalf("%s holds the client secret: %s", r.Type, r.Data)
		}
	}
}
