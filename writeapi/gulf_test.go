package writeapi

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/commands"
	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/paytabs"
	"github.com/souq-market/souq/internal/paytabs/paytabstest"
	"github.com/souq-market/souq/internal/psp"
	"github.com/souq-market/souq/internal/telr"
	"github.com/souq-market/souq/internal/telr/telrtest"
)

const (
	paytabsKey = "SJNZ96JLG-JDMKHGRWT9-RWRK2KJNRJ"
	telrStore  = "15996"
	telrKey    = "pQ6nP-7rHt@5WRFv"
)

// gulf is a write API with the Telr and PayTabs webhooks wired to stubs of
// both gateways, over a memory store.
type gulf struct {
	*hooks
	paytabs     *paytabstest.Stub
	paytabsGate *paytabs.Gateway
	telr        *telrtest.Stub
	telrGate    *telr.Gateway
}

func newGulf(t testing.TB) *gulf {
	t.Helper()
	store := memory.New(memory.Options{})
	t.Cleanup(func() { _ = store.Close() })
	exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{Logger: slog.New(slog.DiscardHandler)})
	g := &gulf{hooks: &hooks{t: t, store: store, exec: exec, now: time.Date(2024, 5, 2, 12, 0, 0, 0, time.UTC)}}
	g.paytabs = paytabstest.New(987654, paytabsKey)
	g.telr = telrtest.New(telrStore, telrKey, telrKey)
	t.Cleanup(g.paytabs.Close)
	t.Cleanup(g.telr.Close)
	var err error
	if g.paytabsGate, err = paytabs.New(paytabs.Config{ProfileID: 987654, ServerKey: paytabsKey, URL: g.paytabs.URL}); err != nil {
		t.Fatal(err)
	}
	if g.telrGate, err = telr.New(telr.Config{StoreID: telrStore, AuthKey: telrKey, URL: g.telr.URL, Test: true, ReturnURL: "https://souq.example/paid"}); err != nil {
		t.Fatal(err)
	}
	api, err := New(Deps{Store: store, Exec: exec, Auth: testVerifier(t), Logger: slog.New(slog.DiscardHandler),
		Registry: prometheus.NewRegistry(), Version: "test", Now: func() time.Time { return g.now },
		Webhooks: Webhooks{Gulf: GulfWebhooks{PayTabsServerKey: paytabsKey, Telr: g.telrGate, TelrStore: telrStore}}})
	if err != nil {
		t.Fatal(err)
	}
	g.h = api.Handler()
	return g
}

func (g *gulf) deps() paycmd.Deps { return paycmd.Deps{Exec: g.exec, Now: time.Now} }

// initiate starts a card payment through gw as checkout would.
func (g *gulf) initiate(gw paycmd.Gateway, id domain.PaymentID, amount int64) (string, error) {
	res, err := paycmd.Initiate{Deps: g.deps(), Gateway: gw}.Handle(context.Background(), paycmd.Initiation{
		PaymentID: id, OrderID: "ord-" + domain.OrderID(id), CustomerID: "cus-1", Method: payment.Card, Amount: money(g.t, amount)}, commands.Meta{})
	return res.ProviderRef, err
}

func (g *gulf) refund(gw paycmd.Gateway, id domain.PaymentID, refundID string, amount int64) error {
	_, err := paycmd.Refund{Deps: g.deps(), Gateway: gw}.Handle(context.Background(), paycmd.For[payment.Refund]{PaymentID: id,
		Cmd: payment.Refund{RefundID: refundID, Amount: money(g.t, amount)}}, commands.Meta{})
	return err
}

func (g *gulf) callbacks(from int) int {
	g.t.Helper()
	cbs := g.paytabs.Callbacks()
	for _, c := range cbs[from:] {
		if rec := g.send("/webhooks/paytabs", c.Body, paytabs.SignatureHeader, c.Signature); rec.Code != 200 {
			g.t.Fatalf("callback %s: %d %s", c.Body, rec.Code, rec.Body)
		}
	}
	return len(cbs)
}

func (g *gulf) advise(body []byte) int {
	g.t.Helper()
	rec := g.send("/webhooks/telr", body, "Content-Type", "application/x-www-form-urlencoded")
	return rec.Code
}

func (g *gulf) advices(from int) int {
	g.t.Helper()
	all := g.telr.Advices()
	for _, body := range all[from:] {
		if code := g.advise(body); code != 200 {
			g.t.Fatalf("advice %s: %d", body, code)
		}
	}
	return len(all)
}

func (g *gulf) stream(id domain.PaymentID) string {
	_, types := g.payment(id)
	return strings.Join(types, " ")
}

// PayTabs: start → paid on the hosted page → callback → order paid (the
// payment authorized and captured) → partial refund asked by souq →
// callback; every callback then delivered again, shuffled, twice, with
// nothing recorded twice.
func TestPayTabsFlow(t *testing.T) {
	g := newGulf(t)
	ref, err := g.initiate(g.paytabsGate, "pay-1", 20000)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.paytabs.Pay(ref, true); err != nil {
		t.Fatal(err)
	}
	n := g.callbacks(0)
	if p, _ := g.payment("pay-1"); p.Status() != payment.StatusCaptured || p.Captured() != money(t, 20000) {
		t.Fatalf("after the callback: %s, captured %v", p.Status(), p.Captured())
	}
	if err := g.refund(g.paytabsGate, "pay-1", "rf-1", 5000); err != nil {
		t.Fatal(err)
	}
	g.callbacks(n)
	p, _ := g.payment("pay-1")
	if got := g.stream("pay-1"); got != "payment.initiated payment.authorized payment.captured payment.refunded" || p.Refunded() != money(t, 5000) {
		t.Fatalf("stream %s, refunded %v", got, p.Refunded())
	}
	head := g.head()
	cbs := g.paytabs.Callbacks()
	cbs = append(cbs, cbs...)
	rand.Shuffle(len(cbs), func(i, j int) { cbs[i], cbs[j] = cbs[j], cbs[i] })
	for _, c := range cbs {
		if rec := g.send("/webhooks/paytabs", c.Body, paytabs.SignatureHeader, c.Signature); rec.Code != 200 {
			t.Fatalf("redelivery: %d %s", rec.Code, rec.Body)
		}
	}
	if g.head() != head {
		t.Fatalf("redelivered callbacks wrote: head %d → %d", head, g.head())
	}
}

func TestPayTabsDeclineAndCancel(t *testing.T) {
	g := newGulf(t)
	ref, _ := g.initiate(g.paytabsGate, "pay-d", 1000)
	if err := g.paytabs.Pay(ref, false); err != nil {
		t.Fatal(err)
	}
	g.callbacks(0)
	if p, _ := g.payment("pay-d"); p.Status() != payment.StatusFailed {
		t.Fatalf("declined: %s", p.Status())
	}
	// Cancelled while the page waits: nothing to void at PayTabs, the
	// cancellation recorded.
	if _, err := g.initiate(g.paytabsGate, "pay-c", 1000); err != nil {
		t.Fatal(err)
	}
	_, err := paycmd.Cancel{Deps: g.deps(), Gateway: g.paytabsGate}.Handle(context.Background(), paycmd.For[payment.Cancel]{PaymentID: "pay-c"}, commands.Meta{})
	if p, _ := g.payment("pay-c"); err != nil || p.Status() != payment.StatusCancelled {
		t.Fatalf("cancel: %v %s", err, p.Status())
	}
}

func TestPayTabsHostile(t *testing.T) {
	g := newGulf(t)
	ref, _ := g.initiate(g.paytabsGate, "pay-h", 1000)
	good := []byte(`{"tran_ref":"` + ref + `","tran_type":"Sale","cart_id":"pay-h","cart_currency":"AED","cart_amount":"10.00","payment_result":{"response_status":"A","response_code":"G1","response_message":"Authorised"}}`)
	other := bytes.Replace(good, []byte(ref), []byte("TST9999999999999"), 1)
	head := g.head()
	big := bytes.Repeat([]byte("a"), 2<<20)
	for _, tc := range []struct {
		name   string
		body   []byte
		sig    string
		status int
		code   string
	}{
		{"forged with another key", good, paytabs.Sign(good, "another-server-key"), 401, CodeWebhookSignature},
		{"no signature", good, "", 401, CodeWebhookSignature},
		{"amount altered after signing", bytes.Replace(good, []byte("10.00"), []byte("1.00"), 1), paytabs.Sign(good, paytabsKey), 401, CodeWebhookSignature},
		{"signed garbage", []byte(`{"tran_ref":`), paytabs.Sign([]byte(`{"tran_ref":`), paytabsKey), 400, CodeWebhookMalformed},
		{"signed, unknown tran_ref", other, paytabs.Sign(other, paytabsKey), 404, CodeUnknownReference},
		{"huge", big, paytabs.Sign(big, paytabsKey), 413, CodeWebhookTooLarge},
	} {
		rec := g.send("/webhooks/paytabs", tc.body, paytabs.SignatureHeader, tc.sig)
		if rec.Code != tc.status || (rec.Code < 413 && problem(t, rec)["code"] != tc.code) {
			t.Errorf("%s: %d %.200s, want %d %s", tc.name, rec.Code, rec.Body, tc.status, tc.code)
		}
		if g.head() != head {
			t.Fatalf("%s wrote events", tc.name)
		}
	}
	if rec := g.send("/webhooks/paytabs", good, paytabs.SignatureHeader, paytabs.Sign(good, paytabsKey)); rec.Code != 200 || g.stream("pay-h") != "payment.initiated payment.authorized payment.captured" {
		t.Fatalf("the genuine callback: %d %s; stream %s", rec.Code, rec.Body, g.stream("pay-h"))
	}
}

// Telr: start → paid → advice, believed after checking the order back →
// order paid; a partial refund souq asks for is recorded by its command
// and its advice records nothing more; redeliveries write nothing.
func TestTelrFlow(t *testing.T) {
	g := newGulf(t)
	ref, err := g.initiate(g.telrGate, "pay-1", 20000)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.telr.Pay(ref, true); err != nil {
		t.Fatal(err)
	}
	n := g.advices(0)
	if p, _ := g.payment("pay-1"); p.Status() != payment.StatusCaptured {
		t.Fatalf("after the advice: %s", p.Status())
	}
	if err := g.refund(g.telrGate, "pay-1", "rf-1", 5000); err != nil {
		t.Fatal(err)
	}
	g.advices(n)
	p, _ := g.payment("pay-1")
	if got := g.stream("pay-1"); got != "payment.initiated payment.authorized payment.captured payment.refunded" || p.Refunded() != money(t, 5000) {
		t.Fatalf("stream %s, refunded %v", got, p.Refunded())
	}
	head := g.head()
	g.advices(0)
	g.advices(0)
	if g.head() != head {
		t.Fatalf("redelivered advices wrote: head %d → %d", head, g.head())
	}
}

// Telr refuses a repeated cart ID: a start whose answer was lost, retried,
// lands on the payment's next cart ID, and that order's advice pays the
// payment.
func TestTelrRepeatedCart(t *testing.T) {
	g := newGulf(t)
	g.telr.DropAnswers(1)
	if _, err := g.initiate(g.telrGate, "pay-r", 7000); !psp.Retryable(err) {
		t.Fatalf("start with its answer lost: %v", err)
	}
	ref, err := g.initiate(g.telrGate, "pay-r", 7000)
	if err != nil {
		t.Fatalf("retried start: %v", err)
	}
	if err := g.telr.Pay(ref, true); err != nil {
		t.Fatal(err)
	}
	if a, _ := telr.ParseAdvice(g.telr.Advices()[0]); a.CartID != "pay-r~2" {
		t.Fatalf("advice cart %q", a.CartID)
	}
	g.advices(0)
	if p, _ := g.payment("pay-r"); p.Status() != payment.StatusCaptured {
		t.Fatalf("status %s", p.Status())
	}
}

func TestTelrDecline(t *testing.T) {
	g := newGulf(t)
	ref, _ := g.initiate(g.telrGate, "pay-d", 1000)
	if err := g.telr.Pay(ref, false); err != nil {
		t.Fatal(err)
	}
	g.advices(0)
	if p, _ := g.payment("pay-d"); p.Status() != payment.StatusFailed {
		t.Fatalf("declined: %s", p.Status())
	}
}

// Telr's advice is unsigned: one Telr's own record contradicts is refused
// and writes nothing.
func TestTelrHostile(t *testing.T) {
	g := newGulf(t)
	paid, _ := g.initiate(g.telrGate, "pay-p", 1000)
	if err := g.telr.Pay(paid, true); err != nil {
		t.Fatal(err)
	}
	genuine := g.telr.Advices()[0]
	if _, err := g.initiate(g.telrGate, "pay-w", 1000); err != nil { // waiting for the customer
		t.Fatal(err)
	}
	if _, err := (paycmd.Initiate{Deps: g.deps()}).Handle(context.Background(), paycmd.Initiation{PaymentID: "pay-cod", OrderID: "o", CustomerID: "c",
		Method: payment.COD, Amount: money(t, 1000)}, commands.Meta{}); err != nil {
		t.Fatal(err)
	}
	edit := func(f func(url.Values)) []byte {
		v, _ := url.ParseQuery(string(genuine))
		f(v)
		return []byte(v.Encode())
	}
	head := g.head()
	for _, tc := range []struct {
		name   string
		body   []byte
		status int
		code   string
	}{
		{"amount altered", edit(func(v url.Values) { v.Set("tran_amount", "1000.00") }), 401, CodeWebhookSignature},
		{"another store", edit(func(v url.Values) { v.Set("tran_store", "1") }), 401, CodeWebhookSignature},
		{"paid, for an order still waiting", edit(func(v url.Values) { v.Set("tran_cartid", "pay-w") }), 401, CodeWebhookSignature},
		{"another transaction", edit(func(v url.Values) { v.Set("tran_ref", "049999999999") }), 401, CodeWebhookSignature},
		{"unknown payment", edit(func(v url.Values) { v.Set("tran_cartid", "pay-none") }), 404, CodeUnknownReference},
		{"a cash-on-delivery payment", edit(func(v url.Values) { v.Set("tran_cartid", "pay-cod") }), 404, CodeUnknownReference},
		{"not an advice", []byte("hello=world"), 400, CodeWebhookMalformed},
	} {
		rec := g.send("/webhooks/telr", tc.body, "Content-Type", "application/x-www-form-urlencoded")
		if rec.Code != tc.status || problem(t, rec)["code"] != tc.code {
			t.Errorf("%s: %d %.300s, want %d %s", tc.name, rec.Code, rec.Body, tc.status, tc.code)
		}
		if g.head() != head {
			t.Fatalf("%s wrote events", tc.name)
		}
	}
	if code := g.advise(genuine); code != 200 || g.stream("pay-p") != "payment.initiated payment.authorized payment.captured" {
		t.Fatalf("the genuine advice: %d; stream %s", code, g.stream("pay-p"))
	}
}

// Unconfigured, both routes refuse everything.
func TestGulfUnconfigured(t *testing.T) {
	k := newHooks(t)
	body := []byte(`{"tran_ref":"TST1"}`)
	if rec := k.send("/webhooks/paytabs", body, paytabs.SignatureHeader, paytabs.Sign(body, "")); rec.Code != 401 {
		t.Errorf("paytabs: %d", rec.Code)
	}
	if rec := k.send("/webhooks/telr", []byte("tran_store=1")); rec.Code != 401 {
		t.Errorf("telr: %d", rec.Code)
	}
}

// FuzzPayTabsWebhook: any body, signed with the server key (so it gets
// past the signature to the parser and the commands), is never a 5xx.
func FuzzPayTabsWebhook(f *testing.F) {
	f.Add([]byte(`{"tran_ref":"TST2410000000001","tran_type":"Sale","cart_id":"pay-f","cart_currency":"AED","cart_amount":"10.00","payment_result":{"response_status":"A"}}`))
	f.Add([]byte(`{"tran_ref":"TST2410000000009","previous_tran_ref":"TST2410000000001","tran_type":"Refund","cart_id":"rf-1~refund","cart_currency":"AED","cart_amount":"99.00","payment_result":{"response_status":"A"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		g := newGulf(t) // fresh per input, as in FuzzStripeWebhook
		if _, err := g.initiate(g.paytabsGate, "pay-f", 1000); err != nil {
			t.Fatal(err)
		}
		if rec := g.send("/webhooks/paytabs", body, paytabs.SignatureHeader, paytabs.Sign(body, paytabsKey)); rec.Code >= 500 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}

// FuzzTelrWebhook: any advice about a paid Telr payment is never a 5xx.
func FuzzTelrWebhook(f *testing.F) {
	f.Add([]byte("tran_store=15996&tran_type=sale&tran_ref=040000000001&tran_cartid=pay-f&tran_currency=AED&tran_amount=10.00&tran_status=A"))
	f.Add([]byte("tran_store=15996&tran_type=refund&tran_ref=040000000002&tran_prevref=040000000001&tran_cartid=pay-f~2&tran_status=A"))
	f.Fuzz(func(t *testing.T, body []byte) {
		g := newGulf(t)
		ref, err := g.initiate(g.telrGate, "pay-f", 1000)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.telr.Pay(ref, true); err != nil {
			t.Fatal(err)
		}
		if rec := g.send("/webhooks/telr", body, "Content-Type", "application/x-www-form-urlencoded"); rec.Code >= 500 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}
