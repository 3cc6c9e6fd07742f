package paytabs

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/internal/paytabs/paytabstest"
	"github.com/souq-market/souq/internal/psp"
)

const serverKey = "SJNZ96JLG-JDMKHGRWT9-RWRK2KJNRJ"

func money(t *testing.T, n int64, c domain.Currency) domain.Money {
	t.Helper()
	m, err := domain.New(n, c)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestStartRequestShape pins the payment request against PayTabs'
// documented hosted-page example: JSON, the server key as the
// authorization header, profile_id and cart_amount as numbers, the
// amount with the currency's decimals.
func TestStartRequestShape(t *testing.T) {
	var got map[string]json.RawMessage
	var auth, path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &got)
		auth, path = r.Header.Get("Authorization"), r.URL.Path
		_, _ = w.Write([]byte(`{"tran_ref":"TST2016700000692","tran_type":"Sale","cart_id":"pay-1","cart_description":"souq order ord-1","cart_currency":"KWD","cart_amount":"12.345","redirect_url":"https://secure.paytabs.com/payment/page/599458B/start","serviceId":2,"profileId":987654,"merchantId":1234,"trace":"PMNT0401.63D6B5F4.00032386"}`))
	}))
	defer srv.Close()
	g, err := New(Config{ProfileID: 987654, ServerKey: serverKey, URL: srv.URL + "/", CallbackURL: "https://souq.example/webhooks/paytabs", ReturnURL: "https://souq.example/paid"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := g.Start(context.Background(), paycmd.StartRequest{Key: "pay-1", PaymentID: "pay-1", OrderID: "ord-1", CustomerID: "c", Amount: money(t, 12345, domain.KWD)})
	if err != nil || st.ProviderRef != "TST2016700000692" || !strings.Contains(st.ClientSecret, "/payment/page/") {
		t.Fatalf("start: %+v %v", st, err)
	}
	want := map[string]string{"profile_id": `987654`, "tran_type": `"sale"`, "tran_class": `"ecom"`, "cart_id": `"pay-1"`, "cart_currency": `"KWD"`,
		"cart_amount": `12.345`, "cart_description": `"souq order ord-1"`, "callback": `"https://souq.example/webhooks/paytabs"`, "return": `"https://souq.example/paid"`}
	for k, v := range want {
		if string(got[k]) != v {
			t.Errorf("%s = %s, want %s", k, got[k], v)
		}
	}
	if auth != serverKey || path != "/payment/request" {
		t.Errorf("authorization %q, path %q", auth, path)
	}
}

func stub(t *testing.T) (*paytabstest.Stub, *Gateway) {
	t.Helper()
	s := paytabstest.New(987654, serverKey)
	t.Cleanup(s.Close)
	g, err := New(Config{ProfileID: 987654, ServerKey: serverKey, URL: s.URL, CallbackURL: "https://souq.example/webhooks/paytabs", ReturnURL: "https://souq.example/paid"})
	if err != nil {
		t.Fatal(err)
	}
	return s, g
}

// parsed verifies and parses every callback the stub sent, as
// "kind ref key amount refundID".
func parsed(t *testing.T, s *paytabstest.Stub) []string {
	t.Helper()
	var out []string
	for _, c := range s.Callbacks() {
		if err := Verify(c.Body, c.Signature, serverKey); err != nil {
			t.Fatal(err)
		}
		ev, err := Parse(c.Body)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range ev.Actions {
			line := string(a.Kind) + " " + a.Ref + " " + a.Key
			if a.Amount.Valid() {
				line += " " + a.Amount.String()
			}
			if a.RefundID != "" {
				line += " " + a.RefundID
			}
			if a.Code != "" {
				line += " " + a.Code
			}
			out = append(out, line)
		}
	}
	return out
}

func TestSaleRefundFlow(t *testing.T) {
	s, g := stub(t)
	ctx := context.Background()
	st, err := g.Start(ctx, paycmd.StartRequest{Key: "pay-7", PaymentID: "pay-7", OrderID: "ord-7", CustomerID: "c", Amount: money(t, 20000, domain.AED)})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := g.Session(ctx, st.ProviderRef); err != nil || again.ClientSecret != st.ClientSecret {
		t.Fatalf("session of a waiting page: %+v %v", again, err)
	}
	if err := s.Pay(st.ProviderRef, true); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Session(ctx, st.ProviderRef); domain.KindOf(err) != domain.Conflict {
		t.Fatalf("session of a paid page: %v", err)
	}
	if err := g.Refund(ctx, paycmd.RefundRequest{Key: "rf-1", ProviderRef: st.ProviderRef, Amount: money(t, 5000, domain.AED)}); err != nil {
		t.Fatalf("partial refund: %v", err)
	}
	// The same refund again (a retried command): found by its cart, not
	// made twice.
	if err := g.Refund(ctx, paycmd.RefundRequest{Key: "rf-1", ProviderRef: st.ProviderRef, Amount: money(t, 5000, domain.AED)}); err != nil {
		t.Fatalf("retried refund: %v", err)
	}
	err = g.Refund(ctx, paycmd.RefundRequest{Key: "rf-2", ProviderRef: st.ProviderRef, Amount: money(t, 15001, domain.AED)})
	if domain.CodeOf(err) != psp.CodeRefused || psp.Retryable(err) {
		t.Fatalf("refund beyond the sale: %v", err)
	}
	got := strings.Join(parsed(t, s), "\n")
	ref := st.ProviderRef
	want := "authorize " + ref + " authorize:" + ref + " AED 200.00\ncapture " + ref + " capture:" + ref + " AED 200.00\nrefund " + ref + " refund:"
	if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, " AED 50.00 rf-1") || strings.Count(got, "\n") != 2 {
		t.Fatalf("callbacks:\n%s\nwant\n%s… AED 50.00 rf-1", got, want)
	}
}

func TestDecline(t *testing.T) {
	s, g := stub(t)
	st, err := g.Start(context.Background(), paycmd.StartRequest{Key: "p", PaymentID: "pay-d", OrderID: "o", CustomerID: "c", Amount: money(t, 1000, domain.SAR)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Pay(st.ProviderRef, false); err != nil {
		t.Fatal(err)
	}
	if got := parsed(t, s); len(got) != 1 || got[0] != "fail "+st.ProviderRef+" fail:"+st.ProviderRef+" 340" {
		t.Fatalf("decline: %v", got)
	}
}

// TestRefundAnswerLost: PayTabs refunds, the answer is lost; the gateway
// finds the refund by its cart and reports it done, and a retry of the
// command refunds nothing more.
func TestRefundAnswerLost(t *testing.T) {
	s, g := stub(t)
	ctx := context.Background()
	st, _ := g.Start(ctx, paycmd.StartRequest{Key: "p", PaymentID: "pay-l", OrderID: "o", CustomerID: "c", Amount: money(t, 9000, domain.BHD)})
	if err := s.Pay(st.ProviderRef, true); err != nil {
		t.Fatal(err)
	}
	s.DropAnswers(1)
	req := paycmd.RefundRequest{Key: "rf-l", ProviderRef: st.ProviderRef, Amount: money(t, 9000, domain.BHD)}
	if err := g.Refund(ctx, req); err != nil {
		t.Fatalf("refund with its answer lost: %v", err)
	}
	if err := g.Refund(ctx, req); err != nil {
		t.Fatalf("retried refund: %v", err)
	}
	n := 0
	for _, r := range s.Requests() {
		if r == "/payment/request refund" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d refunds sent, want 1: %v", n, s.Requests())
	}
}

// A refund key already used for another payment's refund is not that
// refund: answering it as done would record a refund of this payment with
// no money moved. So is a retry with another amount.
func TestRefundKeyOfAnotherPayment(t *testing.T) {
	s, g := stub(t)
	ctx := context.Background()
	var refs []string
	for _, id := range []domain.PaymentID{"pay-a", "pay-b"} {
		st, _ := g.Start(ctx, paycmd.StartRequest{Key: string(id), PaymentID: id, OrderID: "o", CustomerID: "c", Amount: money(t, 9000, domain.BHD)})
		if err := s.Pay(st.ProviderRef, true); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, st.ProviderRef)
	}
	if err := g.Refund(ctx, paycmd.RefundRequest{Key: "rf-1", ProviderRef: refs[0], Amount: money(t, 9000, domain.BHD)}); err != nil {
		t.Fatal(err)
	}
	err := g.Refund(ctx, paycmd.RefundRequest{Key: "rf-1", ProviderRef: refs[1], Amount: money(t, 9000, domain.BHD)})
	if domain.KindOf(err) != domain.Conflict {
		t.Fatalf("payment B refunded under payment A's refund key: %v, want a conflict", err)
	}
	err = g.Refund(ctx, paycmd.RefundRequest{Key: "rf-1", ProviderRef: refs[0], Amount: money(t, 4000, domain.BHD)})
	if domain.KindOf(err) != domain.Conflict {
		t.Fatalf("the key retried for another amount: %v, want a conflict", err)
	}
}

func TestCancel(t *testing.T) {
	s, g := stub(t)
	ctx := context.Background()
	waiting, _ := g.Start(ctx, paycmd.StartRequest{Key: "p", PaymentID: "pay-w", OrderID: "o", CustomerID: "c", Amount: money(t, 500, domain.OMR)})
	if err := g.Cancel(ctx, paycmd.CancelRequest{Key: "pay-w:cancel", ProviderRef: waiting.ProviderRef}); err != nil {
		t.Fatalf("cancel a waiting page: %v", err)
	}
	paid, _ := g.Start(ctx, paycmd.StartRequest{Key: "p", PaymentID: "pay-v", OrderID: "o", CustomerID: "c", Amount: money(t, 500, domain.OMR)})
	if err := s.Pay(paid.ProviderRef, true); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second is a retry: found by its cart
		if err := g.Cancel(ctx, paycmd.CancelRequest{Key: "pay-v:cancel", ProviderRef: paid.ProviderRef}); err != nil {
			t.Fatalf("void: %v", err)
		}
	}
	got := parsed(t, s)
	if last := got[len(got)-1]; !strings.HasPrefix(last, "cancel "+paid.ProviderRef+" cancel:") || len(got) != 3 {
		t.Fatalf("callbacks %v", got)
	}
}

func TestUnreachableIsRetryable(t *testing.T) {
	s := paytabstest.New(1, serverKey)
	url := s.URL
	s.Close()
	g, _ := New(Config{ProfileID: 1, ServerKey: serverKey, URL: url})
	_, err := g.Start(context.Background(), paycmd.StartRequest{Key: "k", PaymentID: "p", OrderID: "o", CustomerID: "c", Amount: money(t, 100, domain.AED)})
	if !psp.Retryable(err) {
		t.Fatalf("closed port: %v", err)
	}
	g2, _ := New(Config{ProfileID: 1, ServerKey: "wrong-key-wrong-key", URL: paytabstest.New(1, serverKey).URL})
	_, err = g2.Start(context.Background(), paycmd.StartRequest{Key: "k", PaymentID: "p", OrderID: "o", CustomerID: "c", Amount: money(t, 100, domain.AED)})
	if domain.CodeOf(err) != psp.CodeRefused || psp.Retryable(err) {
		t.Fatalf("wrong key: %v", err)
	}
}
