package telr

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/internal/psp"
	"github.com/souq-market/souq/internal/telr/telrtest"
)

const (
	storeID = "15996"
	authKey = "pQ6nP-7rHt@5WRFv"
	remKey  = "remote-key-for-tests"
)

func money(t *testing.T, n int64, c domain.Currency) domain.Money {
	t.Helper()
	m, err := domain.New(n, c)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCreateRequestShape pins order.json's create request against Telr's
// documented JSON example: store as a number, authkey, the order's cartid,
// test, amount as a decimal string, currency, description, and the three
// return URLs.
func TestCreateRequestShape(t *testing.T) {
	var got map[string]json.RawMessage
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path != "/gateway/order.json" || json.Unmarshal(b, &got) != nil {
			t.Errorf("%s %s", r.URL.Path, b)
		}
		_, _ = w.Write([]byte(`{"method":"create","trace":"4001/7932/5eb93cca","order":{"ref":"869748BD7502CD7535765D3951855B92AAEE0478D8FF0A41FCFDE86AED79A4F9","url":"https://secure.telr.com/gateway/process.html?o=869748BD7502CD7535765D3951855B92AAEE0478D8FF0A41FCFDE86AED79A4F9"}}`))
	}))
	defer srv.Close()
	g, err := New(Config{StoreID: storeID, AuthKey: authKey, URL: srv.URL, Test: true, ReturnURL: "https://souq.example/paid?p=1"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := g.Start(context.Background(), paycmd.StartRequest{Key: "pay-1", PaymentID: "pay-1", OrderID: "ord-1", CustomerID: "c", Amount: money(t, 950, domain.AED)})
	if err != nil || !strings.HasPrefix(st.ProviderRef, "869748BD") || !strings.Contains(st.ClientSecret, "process.html?o=") {
		t.Fatalf("%+v %v", st, err)
	}
	want := map[string]string{"method": `"create"`, "store": `15996`, "authkey": `"pQ6nP-7rHt@5WRFv"`, "framed": `0`,
		"order":  `{"cartid":"pay-1","test":"1","amount":"9.50","currency":"AED","description":"souq order ord-1"}`,
		"return": `{"authorised":"https://souq.example/paid?p=1\u0026result=authorised","declined":"https://souq.example/paid?p=1\u0026result=declined","cancelled":"https://souq.example/paid?p=1\u0026result=cancelled"}`}
	for k, v := range want {
		if string(got[k]) != v {
			t.Errorf("%s = %s, want %s", k, got[k], v)
		}
	}
}

// TestRefundRequestShape pins remote.xml's refund against Telr's documented
// example: store, key, and a tran of type refund, class ecom, with currency,
// amount (3 decimals for KWD), the sale's transaction ref and test.
func TestRefundRequestShape(t *testing.T) {
	var remote []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/gateway/order.json" {
			_, _ = w.Write([]byte(`{"method":"check","order":{"ref":"ABC","cartid":"pay-1","test":0,"amount":"34.700","currency":"KWD","status":{"code":3,"text":"Paid"},"transaction":{"ref":"010321000864","type":"sale","class":"ECom","status":"A","code":"tst123","message":"Authorised"}}}`))
			return
		}
		remote = b
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><remote><auth><status>A</status><code>213807</code><message>Authorised</message><tranref>042525252525</tranref><cvv>X</cvv><avs>X</avs><cartid>rf-1~refund</cartid><trace>4001/1092034/669028e9</trace></auth></remote>`))
	}))
	defer srv.Close()
	g, _ := New(Config{StoreID: storeID, AuthKey: authKey, RemoteKey: remKey, URL: srv.URL})
	if err := g.Refund(context.Background(), paycmd.RefundRequest{Key: "rf-1", ProviderRef: "ABC", Amount: money(t, 34700, domain.KWD)}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Store string `xml:"store"`
		Key   string `xml:"key"`
		Tran  struct {
			Type, Class, Cartid, Currency, Amount, Ref, Test string
		} `xml:"tran"`
	}
	if err := xml.Unmarshal(remote, &got); err != nil {
		t.Fatalf("%v: %s", err, remote)
	}
	for _, tag := range []string{"<remote>", "<store>15996</store>", "<key>" + remKey + "</key>", "<type>refund</type>", "<class>ecom</class>",
		"<currency>KWD</currency>", "<amount>34.700</amount>", "<ref>010321000864</ref>", "<test>0</test>", "<cartid>rf-1~refund</cartid>"} {
		if !strings.Contains(string(remote), tag) {
			t.Errorf("refund lacks %s:\n%s", tag, remote)
		}
	}
}

func stub(t *testing.T) (*telrtest.Stub, *Gateway) {
	t.Helper()
	s := telrtest.New(storeID, authKey, remKey)
	t.Cleanup(s.Close)
	g, err := New(Config{StoreID: storeID, AuthKey: authKey, RemoteKey: remKey, URL: s.URL, Test: true, ReturnURL: "https://souq.example/paid"})
	if err != nil {
		t.Fatal(err)
	}
	return s, g
}

// confirmed reads every advice the stub sent the way the webhook does:
// parsed, its order checked by reference, confirmed, mapped.
func confirmed(t *testing.T, s *telrtest.Stub, g *Gateway, ref string) []string {
	t.Helper()
	var out []string
	for _, body := range s.Advices() {
		a, err := ParseAdvice(body)
		if err != nil {
			t.Fatal(err)
		}
		o, err := g.Check(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		if err := Confirm(a, storeID, o); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if !a.Initial() {
			out = append(out, a.Type+" advice")
			continue
		}
		acts, err := Actions(o)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range acts {
			line := string(x.Kind) + " " + x.Key
			if x.Amount.Valid() {
				line += " " + x.Amount.String()
			}
			out = append(out, strings.TrimSpace(line+" "+x.Code))
		}
	}
	return out
}

func TestPaidRefundFlow(t *testing.T) {
	s, g := stub(t)
	ctx := context.Background()
	st, err := g.Start(ctx, paycmd.StartRequest{Key: "pay-7", PaymentID: "pay-7", OrderID: "ord-7", CustomerID: "c", Amount: money(t, 20000, domain.AED)})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := g.Session(ctx, st.ProviderRef); err != nil || again.ClientSecret != st.ClientSecret {
		t.Fatalf("session of a waiting order: %+v %v", again, err)
	}
	if err := s.Pay(st.ProviderRef, true); err != nil {
		t.Fatal(err)
	}
	if err := g.Refund(ctx, paycmd.RefundRequest{Key: "rf-1", ProviderRef: st.ProviderRef, Amount: money(t, 5000, domain.AED)}); err != nil {
		t.Fatalf("partial refund: %v", err)
	}
	// The same refund again: Telr refuses its repeated cart ID and souq
	// says so, never refunding twice.
	err = g.Refund(ctx, paycmd.RefundRequest{Key: "rf-1", ProviderRef: st.ProviderRef, Amount: money(t, 5000, domain.AED)})
	if domain.CodeOf(err) != psp.CodeRefused || psp.Retryable(err) {
		t.Fatalf("repeated refund: %v", err)
	}
	err = g.Refund(ctx, paycmd.RefundRequest{Key: "rf-2", ProviderRef: st.ProviderRef, Amount: money(t, 15001, domain.AED)})
	if domain.CodeOf(err) != psp.CodeRefused {
		t.Fatalf("refund beyond the sale: %v", err)
	}
	got := strings.Join(confirmed(t, s, g, st.ProviderRef), "|")
	want := "authorize authorize:" + st.ProviderRef + " AED 200.00|capture capture:" + st.ProviderRef + " AED 200.00|refund advice"
	if got != want {
		t.Fatalf("advices:\n%s\nwant\n%s", got, want)
	}
}

func TestDecline(t *testing.T) {
	s, g := stub(t)
	st, _ := g.Start(context.Background(), paycmd.StartRequest{Key: "p", PaymentID: "pay-d", OrderID: "o", CustomerID: "c", Amount: money(t, 1000, domain.SAR)})
	if err := s.Pay(st.ProviderRef, false); err != nil {
		t.Fatal(err)
	}
	if got := confirmed(t, s, g, st.ProviderRef); len(got) != 1 || got[0] != "fail fail:"+st.ProviderRef+" telr_41" {
		t.Fatalf("decline: %v", got)
	}
}

// TestRepeatedCartRecovered: Telr creates the order, its answer is lost;
// the retried start is refused as a repeated cart ID and the gateway
// creates the order under the payment's next cart ID, whose advice still
// names the payment.
func TestRepeatedCartRecovered(t *testing.T) {
	s, g := stub(t)
	ctx := context.Background()
	req := paycmd.StartRequest{Key: "pay-r", PaymentID: "pay-r", OrderID: "o", CustomerID: "c", Amount: money(t, 7000, domain.OMR)}
	s.DropAnswers(1)
	if _, err := g.Start(ctx, req); !psp.Retryable(err) {
		t.Fatalf("start with its answer lost: %v, want retryable", err)
	}
	st, err := g.Start(ctx, req)
	if err != nil {
		t.Fatalf("retried start: %v", err)
	}
	if s.Orders() != 2 || !strings.Contains(strings.Join(s.Requests(), "\n"), "create pay-r~2") {
		t.Fatalf("orders %d, requests %v", s.Orders(), s.Requests())
	}
	if err := s.Pay(st.ProviderRef, true); err != nil {
		t.Fatal(err)
	}
	a, err := ParseAdvice(s.Advices()[0])
	if id, ok := PaymentOf(a.CartID); err != nil || !ok || id != "pay-r" {
		t.Fatalf("advice cart %q names %q (%v)", a.CartID, id, err)
	}
}

func TestCancel(t *testing.T) {
	s, g := stub(t)
	ctx := context.Background()
	waiting, _ := g.Start(ctx, paycmd.StartRequest{Key: "p", PaymentID: "pay-w", OrderID: "o", CustomerID: "c", Amount: money(t, 500, domain.KWD)})
	if err := g.Cancel(ctx, paycmd.CancelRequest{Key: "pay-w:cancel", ProviderRef: waiting.ProviderRef}); err != nil {
		t.Fatalf("cancel a waiting order: %v", err)
	}
	paid, _ := g.Start(ctx, paycmd.StartRequest{Key: "p", PaymentID: "pay-v", OrderID: "o", CustomerID: "c", Amount: money(t, 500, domain.KWD)})
	if err := s.Pay(paid.ProviderRef, true); err != nil {
		t.Fatal(err)
	}
	if err := g.Cancel(ctx, paycmd.CancelRequest{Key: "pay-v:cancel", ProviderRef: paid.ProviderRef}); err != nil {
		t.Fatalf("void: %v", err)
	}
	reqs := strings.Join(s.Requests(), "\n")
	if strings.Count(reqs, "remote.xml void") != 1 || !strings.Contains(reqs, "void pay-v:cancel~void") {
		t.Fatalf("requests:\n%s", reqs)
	}
}

func TestUnreachableIsRetryable(t *testing.T) {
	s := telrtest.New(storeID, authKey, remKey)
	url := s.URL
	s.Close()
	g, _ := New(Config{StoreID: storeID, AuthKey: authKey, URL: url})
	if _, err := g.Check(context.Background(), "X"); !psp.Retryable(err) {
		t.Fatalf("closed port: %v", err)
	}
	_, g2 := stub(t)
	g2.cfg.AuthKey = "wrong"
	if _, err := g2.Check(context.Background(), "X"); domain.CodeOf(err) != psp.CodeRefused || psp.Retryable(err) {
		t.Fatalf("wrong key: %v", err)
	}
}
