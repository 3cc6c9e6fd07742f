package writeapi

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/commands/process"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/internal/auth"
)

// cards is a recording card gateway: one provider payment per key.
type cards struct {
	mu               sync.Mutex
	refunds, cancels []string // idempotency keys asked
	sessions         int
}

func (g *cards) Provider() string { return "cards" }
func (g *cards) Start(_ context.Context, r paycmd.StartRequest) (paycmd.Started, error) {
	return paycmd.Started{ProviderRef: "ref_" + r.Key, ClientSecret: "secret_" + r.Key}, nil
}
func (g *cards) Refund(_ context.Context, r paycmd.RefundRequest) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refunds = append(g.refunds, r.Key)
	return nil
}
func (g *cards) Cancel(_ context.Context, r paycmd.CancelRequest) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cancels = append(g.cancels, r.Key)
	return nil
}
func (g *cards) Session(_ context.Context, ref string) (paycmd.Started, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sessions++
	return paycmd.Started{ProviderRef: ref, ClientSecret: "secret_" + ref[len("ref_"):]}, nil
}

func (g *cards) asked() (refunds, cancels, sessions int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.refunds), len(g.cancels), g.sessions
}

// paymentHostileRoutes are this file's routes for TestHostileInputWritesNothing.
func paymentHostileRoutes() []routeCase {
	return []routeCase{
		{"/v1/payments/pay-c/refunds", `{"refund_id":"rf-9","amount":{"amount":1,"currency":"AED"},"reason":"x"}`, auth.Admin, "a-1"},
		{"/v1/payments/pay-u/cancel", `{"reason":"x"}`, auth.Admin, "a-1"},
		{"/v1/wallets/w-1/holds/h-1/post", `{}`, auth.Admin, "a-1"},
		{"/v1/wallets/w-1/holds/h-1/void", `{}`, auth.Admin, "a-1"},
	}
}

// payEnv is a write API with a recording card gateway; pay-c is a card
// payment of 100.00 AED captured, pay-u one started only, pay-w a wallet
// payment captured; w-1 (c-1's) holds h-1 and h-2 of 10.00 each.
func payEnv(t testing.TB) (*env, *cards) {
	t.Helper()
	gw := &cards{}
	e := newEnv(t, func(d *Deps) { d.Gateway = gw })
	ctx := context.Background()
	pay := paycmd.Deps{Exec: e.exec, Now: time.Now}
	hundred, _ := domain.New(100_00, domain.AED)
	for id, m := range map[domain.PaymentID]payment.Method{"pay-c": payment.Card, "pay-u": payment.Card, "pay-w": payment.Wallet} {
		if _, err := (paycmd.Initiate{Deps: pay, Gateway: gw}).Handle(ctx, paycmd.Initiation{PaymentID: id, OrderID: domain.OrderID("o-" + id),
			CustomerID: "c-1", Method: m, Amount: hundred}, commands.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []domain.PaymentID{"pay-c", "pay-w"} {
		ref := map[domain.PaymentID]string{"pay-c": "ref_pay-c", "pay-w": "wallet:pay-w"}[id] // as Initiate named them
		ev := func(what string) payment.ProviderEvent {
			return payment.ProviderEvent{EventID: string(id) + what, ProviderRef: ref}
		}
		if id == "pay-c" {
			if _, err := (paycmd.Authorize{Deps: pay}).Handle(ctx, paycmd.For[payment.Authorize]{PaymentID: id, Cmd: payment.Authorize{Event: ev(":a"), Amount: hundred}}, commands.Meta{}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := (paycmd.Capture{Deps: pay}).Handle(ctx, paycmd.For[payment.Capture]{PaymentID: id, Cmd: payment.Capture{Event: ev(":c"), Amount: hundred}}, commands.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	tc1, tadmin := e.token(auth.Customer, "c-1"), e.token(auth.Admin, "a-1")
	for _, r := range []struct{ path, tok, body string }{
		{"/v1/wallets", tc1, `{"wallet_id":"w-1","currency":"AED"}`},
		{"/v1/wallets/w-1/credits", tadmin, `{"reference":"goodwill","amount":{"amount":5000,"currency":"AED"}}`},
		{"/v1/wallets/w-1/holds", tc1, `{"hold_id":"h-1","order_id":"o-1","amount":{"amount":1000,"currency":"AED"}}`},
		{"/v1/wallets/w-1/holds", tc1, `{"hold_id":"h-2","order_id":"o-2","amount":{"amount":1000,"currency":"AED"}}`},
	} {
		if rec := e.post(r.path, r.tok, r.body); rec.Code >= 300 {
			t.Fatalf("fixture %s: %d %s", r.path, rec.Code, rec.Body)
		}
	}
	return e, gw
}

// TestPaymentAdminRoutes: staff refund, void and end holds; the domain's
// refusals are 4xx with their codes and write nothing, and a refusal never
// reaches the gateway.
func TestPaymentAdminRoutes(t *testing.T) {
	e, gw := payEnv(t)
	tadmin, tsuper := e.token(auth.Admin, "a-1"), e.token(auth.SuperAdmin, "s-1")
	tc1, tv1, taud := e.token(auth.Customer, "c-1"), e.token(auth.Vendor, "v-1"), e.token(auth.Auditor, "au-1")
	steps := []struct {
		name, path, token, body string
		status                  int
		code, event             string // the refusal's code, or the event written
		refunds, cancels        int    // gateway calls so far
	}{
		{"customer refunds", "/v1/payments/pay-c/refunds", tc1, `{"refund_id":"rf-1","amount":{"amount":100,"currency":"AED"}}`, 403, auth.CodeForbidden, "", 0, 0},
		{"vendor refunds", "/v1/payments/pay-c/refunds", tv1, `{"refund_id":"rf-1","amount":{"amount":100,"currency":"AED"}}`, 403, auth.CodeForbidden, "", 0, 0},
		{"auditor cancels", "/v1/payments/pay-u/cancel", taud, `{"reason":"x"}`, 403, auth.CodeForbidden, "", 0, 0},
		{"customer voids a hold", "/v1/wallets/w-1/holds/h-1/void", tc1, `{}`, 403, auth.CodeForbidden, "", 0, 0},
		{"customer posts a hold", "/v1/wallets/w-1/holds/h-1/post", tc1, `{}`, 403, auth.CodeForbidden, "", 0, 0},
		{"refund of no payment", "/v1/payments/pay-x/refunds", tadmin, `{"refund_id":"rf-1","amount":{"amount":100,"currency":"AED"}}`, 404, payment.CodeNotInitiated, "", 0, 0},
		{"refund in another currency", "/v1/payments/pay-c/refunds", tadmin, `{"refund_id":"rf-1","amount":{"amount":100,"currency":"SAR"}}`, 422, "command.invalid", "", 0, 0},
		{"refund of nothing", "/v1/payments/pay-c/refunds", tadmin, `{"refund_id":"rf-1","amount":{"amount":0,"currency":"AED"}}`, 422, "command.invalid", "", 0, 0},
		{"refund without an ID", "/v1/payments/pay-c/refunds", tadmin, `{"amount":{"amount":100,"currency":"AED"}}`, 422, "command.invalid", "", 0, 0},
		{"refund above the capture", "/v1/payments/pay-c/refunds", tadmin, `{"refund_id":"rf-1","amount":{"amount":10001,"currency":"AED"}}`, 409, payment.CodeOverRefund, "", 0, 0},
		{"refund of an uncaptured payment", "/v1/payments/pay-u/refunds", tadmin, `{"refund_id":"rf-1","amount":{"amount":100,"currency":"AED"}}`, 409, payment.CodeNothingCaptured, "", 0, 0},
		{"partial refund", "/v1/payments/pay-c/refunds", tadmin, `{"refund_id":"rf-1","amount":{"amount":6000,"currency":"AED"},"reason":"one bottle broke"}`, 201, "", payment.TypeRefunded, 1, 0},
		{"the same refund again", "/v1/payments/pay-c/refunds", tadmin, `{"refund_id":"rf-1","amount":{"amount":6000,"currency":"AED"},"reason":"one bottle broke"}`, 201, "", "", 1, 0},
		{"refund ID reused for another amount", "/v1/payments/pay-c/refunds", tadmin, `{"refund_id":"rf-1","amount":{"amount":100,"currency":"AED"}}`, 409, payment.CodeRefundReused, "", 1, 0},
		{"second refund above what is left", "/v1/payments/pay-c/refunds", tsuper, `{"refund_id":"rf-2","amount":{"amount":4001,"currency":"AED"}}`, 409, payment.CodeOverRefund, "", 1, 0},
		{"second refund of the rest", "/v1/payments/pay-c/refunds", tsuper, `{"refund_id":"rf-2","amount":{"amount":4000,"currency":"AED"}}`, 201, "", payment.TypeRefunded, 2, 0},
		{"wallet payment refunded by souq", "/v1/payments/pay-w/refunds", tadmin, `{"refund_id":"rf-3","amount":{"amount":100,"currency":"AED"}}`, 201, "", payment.TypeRefunded, 2, 0},
		{"cancel of a captured payment", "/v1/payments/pay-c/cancel", tadmin, `{"reason":"too late"}`, 409, payment.CodeNotCancellable, "", 2, 0},
		{"cancel without a reason", "/v1/payments/pay-u/cancel", tadmin, `{}`, 422, "command.invalid", "", 2, 0},
		{"cancel of no payment", "/v1/payments/pay-x/cancel", tadmin, `{"reason":"x"}`, 404, payment.CodeNotInitiated, "", 2, 0},
		{"cancel", "/v1/payments/pay-u/cancel", tadmin, `{"reason":"fraud suspected"}`, 200, "", payment.TypeCancelled, 2, 1},
		{"post of no hold", "/v1/wallets/w-1/holds/h-9/post", tadmin, `{}`, 404, "wallet.hold_not_found", "", 2, 1},
		{"post on no wallet", "/v1/wallets/w-9/holds/h-1/post", tadmin, `{}`, 404, "wallet.not_found", "", 2, 1},
		{"post", "/v1/wallets/w-1/holds/h-1/post", tadmin, `{}`, 200, "", "wallet.hold_posted", 2, 1},
		{"void of a posted hold", "/v1/wallets/w-1/holds/h-1/void", tadmin, `{}`, 409, "wallet.hold_ended", "", 2, 1},
		{"void", "/v1/wallets/w-1/holds/h-2/void", tsuper, `{}`, 200, "", "wallet.hold_voided", 2, 1},
		{"post of a voided hold", "/v1/wallets/w-1/holds/h-2/post", tadmin, `{}`, 409, "wallet.hold_ended", "", 2, 1},
	}
	for _, st := range steps {
		before := e.head()
		rec := e.post(st.path, st.token, st.body)
		if rec.Code != st.status {
			t.Fatalf("%s: status %d, want %d: %s", st.name, rec.Code, st.status, rec.Body)
		}
		if st.code != "" {
			if p := problem(t, rec); p["code"] != st.code {
				t.Fatalf("%s: code %v, want %s: %s", st.name, p["code"], st.code, rec.Body)
			}
		}
		switch a := e.head(); {
		case st.event == "" && a != before:
			t.Fatalf("%s: wrote (head %d → %d)", st.name, before, a)
		case st.event != "" && (a == before || e.last(answer(t, rec).Stream).Type != st.event):
			t.Fatalf("%s: want %s written: %s", st.name, st.event, rec.Body)
		}
		if r, c, _ := gw.asked(); r != st.refunds || c != st.cancels {
			t.Fatalf("%s: the gateway was asked %d refunds and %d cancels, want %d and %d", st.name, r, c, st.refunds, st.cancels)
		}
	}
	p := e.paymentOf("pay-c")
	if p.Refunded().Amount() != 100_00 || p.Status() != payment.StatusRefunded {
		t.Fatalf("pay-c refunded %v (%s), want all of it", p.Refunded(), p.Status())
	}
	if gw.refunds[0] != "rf-1" || gw.refunds[1] != "rf-2" || gw.cancels[0] != "pay-u:cancel" {
		t.Fatalf("gateway keys %v %v", gw.refunds, gw.cancels)
	}
}

// A server without a card gateway refuses card refunds (503) and writes
// nothing; wallet payments are souq's own and still refunded.
func TestPaymentRoutesWithoutGateway(t *testing.T) {
	e, _ := payEnv(t)
	bare := newEnv(t, func(d *Deps) { d.Store, d.Exec = e.store, e.exec })
	tadmin := e.token(auth.Admin, "a-1")
	before := e.head()
	if rec := bare.post("/v1/payments/pay-c/refunds", tadmin, `{"refund_id":"rf-1","amount":{"amount":100,"currency":"AED"}}`); rec.Code != 503 {
		t.Fatalf("card refund without a gateway: %d %s", rec.Code, rec.Body)
	}
	if e.head() != before {
		t.Fatal("a refused refund wrote")
	}
	if rec := bare.post("/v1/payments/pay-w/refunds", tadmin, `{"refund_id":"rf-1","amount":{"amount":100,"currency":"AED"}}`); rec.Code != 201 {
		t.Fatalf("wallet refund without a gateway: %d %s", rec.Code, rec.Body)
	}
}

func (e *env) paymentOf(id domain.PaymentID) *payment.Payment {
	e.t.Helper()
	p, err := currentPayment(context.Background(), e.exec, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) get(path, token string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func session(t testing.TB, rec *httptest.ResponseRecorder) Session {
	t.Helper()
	var s Session
	if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil || rec.Code != 200 {
		t.Fatalf("session %d %s: %v", rec.Code, rec.Body, err)
	}
	return s
}

// TestPaymentSession: only the order's customer reads its payment; the
// client secret is answered while the payment waits for the customer, and
// fetched from the gateway, not from the events.
func TestPaymentSession(t *testing.T) {
	e, gw := payEnv(t)
	e.fixtures() // o-1 of c-1, cash on delivery, no payment yet
	tc1, tc2 := e.token(auth.Customer, "c-1"), e.token(auth.Customer, "c-2")
	if rec := e.post("/v1/orders", tc1, `{"order_id":"o-card","country":"AE","payment_method":"card","lines":[{"sku":"oud-50","quantity":1}]}`); rec.Code != 201 {
		t.Fatalf("checkout: %d %s", rec.Code, rec.Body)
	}
	before := e.head()
	for _, tc := range []struct {
		name, path, token string
		status            int
		code              string
	}{
		{"no token", "/v1/orders/o-card/payment", "", 401, auth.CodeTokenMissing},
		{"another customer", "/v1/orders/o-card/payment", tc2, 403, CodeNotOwner},
		{"a vendor", "/v1/orders/o-card/payment", e.token(auth.Vendor, "v-1"), 403, auth.CodeForbidden},
		{"an admin", "/v1/orders/o-card/payment", e.token(auth.Admin, "a-1"), 403, auth.CodeForbidden},
		{"no order", "/v1/orders/o-none/payment", tc1, 404, "order.not_found"},
		{"a bad order ID", "/v1/orders/%20%00/payment", tc1, 0, ""},
		{"not started yet", "/v1/orders/o-card/payment", tc1, 404, payment.CodeNotInitiated},
	} {
		rec := e.get(tc.path, tc.token)
		if tc.status == 0 { // any 4xx
			if rec.Code < 400 || rec.Code >= 500 {
				t.Fatalf("%s: %d %s", tc.name, rec.Code, rec.Body)
			}
			continue
		}
		if rec.Code != tc.status || problem(t, rec)["code"] != tc.code {
			t.Fatalf("%s: %d %s, want %d %s", tc.name, rec.Code, rec.Body, tc.status, tc.code)
		}
	}
	if e.head() != before {
		t.Fatal("a read wrote")
	}
	// Checkout starts the payment (as its process manager does).
	pid := process.PaymentID("o-card")
	due, _ := domain.New(25000, domain.AED)
	pay := paycmd.Deps{Exec: e.exec, Now: time.Now}
	if _, err := (paycmd.Initiate{Deps: pay, Gateway: gw}).Handle(context.Background(), paycmd.Initiation{PaymentID: pid, OrderID: "o-card",
		CustomerID: "c-1", Method: payment.Card, Amount: due}, commands.Meta{}); err != nil {
		t.Fatal(err)
	}
	s := session(t, e.get("/v1/orders/o-card/payment", tc1))
	if s.PaymentID != pid || s.Status != payment.StatusInitiated || s.ClientSecret != "secret_"+string(pid) || s.Method != payment.Card || s.Amount != due {
		t.Fatalf("session %+v", s)
	}
	if rec := e.get("/v1/orders/o-card/payment", tc2); rec.Code != 403 || strings.Contains(rec.Body.String(), "secret_") {
		t.Fatalf("another customer after the start: %d %s", rec.Code, rec.Body)
	}
	ev := payment.ProviderEvent{EventID: "settled", ProviderRef: "ref_" + string(pid)}
	if _, err := (paycmd.Authorize{Deps: pay}).Handle(context.Background(), paycmd.For[payment.Authorize]{PaymentID: pid, Cmd: payment.Authorize{Event: ev, Amount: due}}, commands.Meta{}); err != nil {
		t.Fatal(err)
	}
	_, _, asked := gw.asked()
	s = session(t, e.get("/v1/orders/o-card/payment", tc1))
	if s.Status != payment.StatusAuthorized || s.ClientSecret != "" {
		t.Fatalf("an authorized payment's session %+v, want no client secret", s)
	}
	if _, _, now := gw.asked(); now != asked {
		t.Fatal("the gateway was asked for a payment that waits for nobody")
	}
	recs, err := e.store.ReadAll(context.Background(), 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if strings.Contains(string(r.Data), "secret_") {
			t.Fatalf("%s at %d holds a client secret: %s", r.Type, r.Position, r.Data)
		}
	}
}

// FuzzRefundRoute: whatever an admin sends as a refund, the answer is never
// a 5xx, and no sequence of refunds takes back more than was captured.
func FuzzRefundRoute(f *testing.F) {
	e, _ := payEnv(f)
	tok := e.token(auth.Admin, "a-1")
	f.Add(`{"refund_id":"rf-1","amount":{"amount":100,"currency":"AED"},"reason":"x"}`)
	f.Add(`{"refund_id":"rf-2","amount":{"amount":10001,"currency":"AED"}}`)
	f.Add(`{"refund_id":"rf-3","amount":{"amount":-5,"currency":"KWD"}}`)
	f.Add(`{"refund_id":"","amount":null}`)
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/v1/payments/pay-c/refunds", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%q: %d %s", body, rec.Code, rec.Body)
		}
		p, err := currentPayment(context.Background(), e.exec, "pay-c")
		if err != nil {
			t.Fatal(err)
		}
		if p.Refunded().Amount() > p.Captured().Amount() {
			t.Fatalf("%q: refunded %v of %v captured", body, p.Refunded(), p.Captured())
		}
	})
}
