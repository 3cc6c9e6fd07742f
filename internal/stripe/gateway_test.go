package stripe

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v82"

	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/internal/stripe/stripetest"
)

func aed(t *testing.T, n int64) domain.Money {
	t.Helper()
	m, err := domain.New(n, domain.Currency("AED"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func noRetries() *int64 { return stripego.Int64(0) }

// stripeMock starts Stripe's stripe-mock bound to 127.0.0.1 on its HTTP and
// HTTPS ports and returns its HTTP URL; SOUQ_TEST_STRIPE_MOCK_URL points at
// one already running (CI's).
func stripeMock(t *testing.T) string {
	t.Helper()
	if u := os.Getenv("SOUQ_TEST_STRIPE_MOCK_URL"); u != "" {
		return u
	}
	bin, err := exec.LookPath("stripe-mock")
	if err != nil {
		home, _ := os.UserHomeDir()
		gopath := filepath.Join(home, "go")
		if p := os.Getenv("GOPATH"); p != "" {
			gopath = filepath.SplitList(p)[0]
		}
		bin = filepath.Join(gopath, "bin", "stripe-mock")
		if _, err := os.Stat(bin); err != nil {
			if strings.Contains(os.Getenv("SOUQ_TEST_REQUIRE"), "stripe-mock") {
				t.Fatal("stripe-mock is required (SOUQ_TEST_REQUIRE) but not installed: go install github.com/stripe/stripe-mock@latest")
			}
			t.Skip("stripe-mock not installed (go install github.com/stripe/stripe-mock@latest); request shapes not checked")
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-http-addr", "127.0.0.1:", "-https-addr", "127.0.0.1:")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`Listening for HTTP at address: (\S+)`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		return "http://" + a
	case <-time.After(20 * time.Second):
		t.Fatal("stripe-mock did not start listening within 20 s")
	}
	return ""
}

// TestRequestShapes sends every request the gateway makes to stripe-mock,
// which validates parameters against Stripe's OpenAPI spec and refuses
// any it does not know.
func TestRequestShapes(t *testing.T) {
	g, err := New(Config{SecretKey: "sk_test_123", URL: stripeMock(t), Retries: noRetries()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	started, err := g.Start(ctx, paycmd.StartRequest{Key: "pay-1", PaymentID: "pay-1", OrderID: "ord-1", CustomerID: "cus-1", Amount: aed(t, 12550)})
	if err != nil || !strings.HasPrefix(started.ProviderRef, "pi_") || started.ClientSecret == "" {
		t.Fatalf("start: %+v %v", started, err)
	}
	if _, err := g.Confirm(ctx, ConfirmRequest{Key: "c-1", ProviderRef: started.ProviderRef, PaymentMethod: "pm_card_visa", ReturnURL: "https://souq.example/return"}); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if _, err := g.Capture(ctx, CaptureRequest{Key: "cap-1", ProviderRef: started.ProviderRef, Amount: aed(t, 10000)}); err != nil {
		t.Fatalf("capture: %v", err)
	}
	if err := g.Refund(ctx, paycmd.RefundRequest{Key: "ref-1", ProviderRef: started.ProviderRef, Amount: aed(t, 500), Reason: "one bottle broken"}); err != nil {
		t.Fatalf("refund: %v", err)
	}
	if err := g.Cancel(ctx, paycmd.CancelRequest{Key: "can-1", ProviderRef: started.ProviderRef}); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if _, err := g.Intent(ctx, started.ProviderRef); err != nil {
		t.Fatalf("retrieve: %v", err)
	}
}

func stub(t *testing.T) (*stripetest.Stub, *Gateway) {
	t.Helper()
	s := stripetest.New()
	t.Cleanup(s.Close)
	g, err := New(Config{SecretKey: "sk_test_stub", URL: s.URL, Retries: noRetries()})
	if err != nil {
		t.Fatal(err)
	}
	return s, g
}

func TestFlowThreeDSecureCaptureRefund(t *testing.T) {
	s, g := stub(t)
	ctx := context.Background()
	req := paycmd.StartRequest{Key: "pay-7", PaymentID: "pay-7", OrderID: "ord-7", CustomerID: "cus-7", Amount: aed(t, 20000)}
	started, err := g.Start(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := g.Start(ctx, req) // a retried command: the same PaymentIntent
	if err != nil || again.ProviderRef != started.ProviderRef {
		t.Fatalf("retried start gave %s (%v), want %s", again.ProviderRef, err, started.ProviderRef)
	}
	in, err := g.Confirm(ctx, ConfirmRequest{Key: "cf-7", ProviderRef: started.ProviderRef, PaymentMethod: "pm_card_threeDSecure2Required"})
	if err != nil || in.Status != "requires_action" || in.PaymentID != "pay-7" {
		t.Fatalf("confirm: %+v %v", in, err)
	}
	if err := s.Authenticate(started.ProviderRef); err != nil {
		t.Fatal(err)
	}
	in, err = g.Capture(ctx, CaptureRequest{Key: "cap-7", ProviderRef: started.ProviderRef, Amount: aed(t, 15000)})
	if err != nil || in.Status != "succeeded" || in.AmountReceived != 15000 {
		t.Fatalf("partial capture: %+v %v", in, err)
	}
	if err := g.Refund(ctx, paycmd.RefundRequest{Key: "rf-1", ProviderRef: started.ProviderRef, Amount: aed(t, 5000)}); err != nil {
		t.Fatalf("partial refund: %v", err)
	}
	err = g.Refund(ctx, paycmd.RefundRequest{Key: "rf-2", ProviderRef: started.ProviderRef, Amount: aed(t, 10001)})
	if domain.CodeOf(err) != CodeRefused || Retryable(err) {
		t.Fatalf("refund beyond the capture: %v, want %s", err, CodeRefused)
	}
	// Stripe sent, in order: requires_action, amount_capturable_updated,
	// charge.captured, payment_intent.succeeded, charge.refunded.
	var types []string
	for _, body := range s.Events() {
		ev, err := Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.Type)
	}
	want := "payment_intent.requires_action payment_intent.amount_capturable_updated charge.captured payment_intent.succeeded charge.refunded"
	if strings.Join(types, " ") != want {
		t.Fatalf("events %v, want %s", types, want)
	}
}

func TestDecline(t *testing.T) {
	_, g := stub(t)
	ctx := context.Background()
	started, err := g.Start(ctx, paycmd.StartRequest{Key: "pay-d", PaymentID: "pay-d", OrderID: "o", CustomerID: "c", Amount: aed(t, 1000)})
	if err != nil {
		t.Fatal(err)
	}
	in, err := g.Confirm(ctx, ConfirmRequest{Key: "cf-d", ProviderRef: started.ProviderRef, PaymentMethod: "pm_card_chargeDeclined"})
	var d *Declined
	if domain.CodeOf(err) != CodeDeclined || domain.KindOf(err) != domain.Invalid || !errors.As(err, &d) || d.DeclineCode != "generic_decline" {
		t.Fatalf("decline: %v", err)
	}
	if Retryable(err) || in.Decline == nil || in.ID != started.ProviderRef {
		t.Fatalf("a decline is an outcome, not a retry: %+v %v", in, err)
	}
}

// TestUnknownOutcomeReconciled: Stripe captures, the answer is lost on the
// way back; the gateway fetches the PaymentIntent and reports the capture.
func TestUnknownOutcomeReconciled(t *testing.T) {
	s, g := stub(t)
	ctx := context.Background()
	started, err := g.Start(ctx, paycmd.StartRequest{Key: "pay-u", PaymentID: "pay-u", OrderID: "o", CustomerID: "c", Amount: aed(t, 5000)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Confirm(ctx, ConfirmRequest{Key: "cf-u", ProviderRef: started.ProviderRef, PaymentMethod: "pm_card_visa"}); err != nil {
		t.Fatal(err)
	}
	s.DropAnswers(2)
	in, err := g.Capture(ctx, CaptureRequest{Key: "cap-u", ProviderRef: started.ProviderRef, Amount: aed(t, 5000)})
	if err != nil || in.Status != "succeeded" || in.AmountReceived != 5000 {
		t.Fatalf("reconciled capture: %+v %v", in, err)
	}
	reqs := strings.Join(s.Requests(), "\n")
	if !strings.Contains(reqs, "GET /v1/payment_intents/"+started.ProviderRef) {
		t.Fatalf("no PaymentIntent fetched to reconcile:\n%s", reqs)
	}
	// A cancel whose answer is lost and that Stripe did carry out is
	// reconciled the same way; here the intent is captured, so the cancel
	// is refused and says so.
	if err := g.Cancel(ctx, paycmd.CancelRequest{Key: "can-u", ProviderRef: started.ProviderRef}); domain.CodeOf(err) != CodeRefused {
		t.Fatalf("cancel after capture: %v", err)
	}
}

func TestNetworkFailureIsRetryable(t *testing.T) {
	s := stripetest.New()
	url := s.URL
	s.Close()
	g, err := New(Config{SecretKey: "sk_test_x", URL: url, Retries: noRetries()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Start(context.Background(), paycmd.StartRequest{Key: "k", PaymentID: "p", OrderID: "o", CustomerID: "c", Amount: aed(t, 100)})
	if !Retryable(err) || domain.CodeOf(err) != CodeUnavailable {
		t.Fatalf("start against a closed port: %v, want retryable", err)
	}
}

func TestThreeDecimalAmounts(t *testing.T) {
	_, g := stub(t)
	kwd := func(n int64) domain.Money { m, _ := domain.New(n, domain.Currency("KWD")); return m }
	_, err := g.Start(context.Background(), paycmd.StartRequest{Key: "k1", PaymentID: "p1", OrderID: "o", CustomerID: "c", Amount: kwd(12345)})
	if domain.CodeOf(err) != CodeAmountNotAccepted {
		t.Fatalf("KWD 12.345: %v, want %s", err, CodeAmountNotAccepted)
	}
	started, err := g.Start(context.Background(), paycmd.StartRequest{Key: "k2", PaymentID: "p2", OrderID: "o", CustomerID: "c", Amount: kwd(12340)})
	if err != nil {
		t.Fatalf("KWD 12.340: %v", err)
	}
	in, err := g.Intent(context.Background(), started.ProviderRef)
	if err != nil || in.Amount != kwd(12340) {
		t.Fatalf("KWD read back as %v (%v)", in.Amount, err)
	}
}
