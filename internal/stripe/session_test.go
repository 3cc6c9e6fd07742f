package stripe

import (
	"context"
	"strings"
	"testing"

	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/internal/stripe/stripetest"
)

// With automatic capture, 3-D Secure completed is the capture: Stripe
// sends payment_intent.succeeded with no Capture call. Session answers the
// client secret by reference throughout, and refuses a reference Stripe
// does not know.
func TestAutomaticCaptureAndSession(t *testing.T) {
	s := stripetest.New()
	t.Cleanup(s.Close)
	g, err := New(Config{SecretKey: "sk_test_stub", URL: s.URL, Retries: noRetries(), AutomaticCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	started, err := g.Start(ctx, paycmd.StartRequest{Key: "pay-8", PaymentID: "pay-8", OrderID: "ord-8", CustomerID: "cus-8", Amount: aed(t, 12000)})
	if err != nil {
		t.Fatal(err)
	}
	ses, err := g.Session(ctx, started.ProviderRef)
	if err != nil || ses.ClientSecret == "" || ses.ClientSecret != started.ClientSecret || ses.ProviderRef != started.ProviderRef {
		t.Fatalf("session %+v (%v), want the client secret %q of %s", ses, err, started.ClientSecret, started.ProviderRef)
	}
	in, err := g.Confirm(ctx, ConfirmRequest{Key: "cf-8", ProviderRef: started.ProviderRef, PaymentMethod: "pm_card_threeDSecure2Required"})
	if err != nil || in.Status != "requires_action" {
		t.Fatalf("confirm: %+v %v", in, err)
	}
	if err := s.Authenticate(started.ProviderRef); err != nil {
		t.Fatal(err)
	}
	if in, err = g.Intent(ctx, started.ProviderRef); err != nil || in.Status != "succeeded" || in.AmountReceived != 12000 {
		t.Fatalf("after 3-D Secure: %+v %v, want succeeded with 12000 received", in, err)
	}
	var types []string
	for _, body := range s.Events() {
		ev, err := Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.Type)
	}
	if want := "payment_intent.requires_action charge.succeeded payment_intent.succeeded"; strings.Join(types, " ") != want {
		t.Fatalf("events %v, want %s", types, want)
	}
	if _, err := g.Session(ctx, "pi_nobody"); domain.KindOf(err) != domain.NotFound {
		t.Fatalf("session of an unknown reference: %v, want not found", err)
	}
}
