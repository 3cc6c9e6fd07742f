// Package telrtest is a small stateful stand-in for Telr's gateway, for
// flow tests: it speaks Telr's wire formats — the hosted payment page's
// order.json (JSON, store and authkey in the body, method create and check,
// errors as {"error":{"message":"E56:Duplicate transaction","note":…}}, a
// repeated cart ID refused) and the remote API's remote.xml for refunds and
// voids — and records the transaction advice messages Telr would post (form
// fields tran_store, tran_type, tran_ref, tran_cartid …), so a test can
// deliver them. It knows only what souq uses.
//
// Pay completes a hosted page as the customer would, approved or declined.
//
// It may import the standard library only.
package telrtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
)

// Stub is the fake Telr.
type Stub struct {
	*httptest.Server
	StoreID, AuthKey, RemoteKey string

	mu       sync.Mutex
	n        int
	orders   map[string]*order
	carts    map[string]bool // every cart ID used, by orders and remote transactions
	byTran   map[string]*order
	advices  [][]byte
	requests []string
	drop     int
}

type status struct {
	Code int    `json:"code"`
	Text string `json:"text"`
}

type transaction struct {
	Ref     string `json:"ref"`
	Type    string `json:"type"`
	Class   string `json:"class"`
	Status  string `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type order struct {
	Ref         string       `json:"ref"`
	URL         string       `json:"url,omitempty"`
	CartID      string       `json:"cartid"`
	Test        int          `json:"test"`
	Amount      string       `json:"amount"`
	Currency    string       `json:"currency"`
	Description string       `json:"description"`
	Status      status       `json:"status"`
	Transaction *transaction `json:"transaction,omitempty"`

	minor, refunded int64
	voided          bool
}

// New starts a stub for one store; Close it when done.
func New(storeID, authKey, remoteKey string) *Stub {
	s := &Stub{StoreID: storeID, AuthKey: authKey, RemoteKey: remoteKey, orders: map[string]*order{}, carts: map[string]bool{}, byTran: map[string]*order{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// DropAnswers makes the next n requests that change something take effect
// but lose their answers (the connection is cut).
func (s *Stub) DropAnswers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop = n
}

// Requests lists "path method-or-type cart" of every request served.
func (s *Stub) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// Advices returns the transaction advice bodies sent so far.
func (s *Stub) Advices() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.advices...)
}

// Orders counts the orders created.
func (s *Stub) Orders() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.orders)
}

// Pay completes an order's hosted page: a sale approved, or declined for
// insufficient funds.
func (s *Stub) Pay(ref string, approve bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[ref]
	if o == nil || o.Status.Code != 1 {
		return fmt.Errorf("telrtest: no order %s waiting for the customer", ref)
	}
	t := &transaction{Ref: s.tranRef(), Type: "sale", Class: "ECom", Status: "A", Code: fmt.Sprintf("%06d", s.n), Message: "Authorised"}
	o.Status, o.URL = status{3, "Paid"}, ""
	if !approve {
		t.Status, t.Code, t.Message = "D", "41", "Insufficient funds"
		o.Status = status{-3, "Declined"}
	}
	o.Transaction = t
	s.byTran[t.Ref] = o
	s.advise(o, t, "0", o.Amount)
	return nil
}

func (s *Stub) tranRef() string { s.n++; return fmt.Sprintf("%012d", 40000000000+s.n) }

func (s *Stub) advise(o *order, t *transaction, prev, amount string) {
	s.advices = append(s.advices, []byte(url.Values{"tran_store": {s.StoreID}, "tran_type": {t.Type}, "tran_class": {"ecom"}, "tran_test": {fmt.Sprint(o.Test)},
		"tran_ref": {t.Ref}, "tran_prevref": {prev}, "tran_cartid": {o.CartID}, "tran_desc": {o.Description}, "tran_currency": {o.Currency},
		"tran_amount": {amount}, "tran_status": {t.Status}, "tran_authcode": {t.Code}, "tran_authmessage": {t.Message}}.Encode()))
}

func (s *Stub) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var status int
	var answer []byte
	var changed bool
	switch r.URL.Path {
	case "/gateway/order.json":
		status, answer, changed = s.orderJSON(r)
	case "/gateway/remote.xml":
		status, answer, changed = s.remoteXML(r)
	default:
		status, answer = 404, []byte("not found")
	}
	drop := changed && s.drop > 0
	if drop {
		s.drop--
	}
	s.mu.Unlock()
	if drop {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				_ = c.(net.Conn).Close()
				return
			}
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(answer)
}

var decimals = map[string]int{"AED": 2, "SAR": 2, "KWD": 3, "BHD": 3, "OMR": 3}

// minor reads a decimal amount with at most the currency's decimals.
func minor(s, currency string) (int64, bool) {
	dec, known := decimals[currency]
	whole, frac, _ := strings.Cut(s, ".")
	if !known || whole == "" || len(frac) > dec || strings.ContainsAny(s, "-+eE ") {
		return 0, false
	}
	x, ok := new(big.Int).SetString(whole+frac+strings.Repeat("0", dec-len(frac)), 10)
	if !ok || !x.IsInt64() || x.Int64() <= 0 {
		return 0, false
	}
	return x.Int64(), true
}

func (s *Stub) orderJSON(r *http.Request) (int, []byte, bool) {
	var req struct {
		Method  string      `json:"method"`
		Store   json.Number `json:"store"`
		AuthKey string      `json:"authkey"`
		Order   struct {
			Ref, CartID, Test, Amount, Currency, Description string
		} `json:"order"`
		Return struct {
			Authorised, Declined, Cancelled string
		} `json:"return"`
	}
	fail := func(msg, note string) (int, []byte, bool) {
		b, _ := json.Marshal(map[string]any{"method": req.Method, "trace": "4001/STUB", "error": map[string]string{"message": msg, "note": note}})
		return 200, b, false
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.Method != http.MethodPost {
		return fail("E01:Invalid request", "the body is not a JSON order request")
	}
	s.requests = append(s.requests, r.URL.Path+" "+req.Method+" "+req.Order.CartID)
	if req.Store.String() != s.StoreID || req.AuthKey != s.AuthKey {
		return fail("E04:Invalid store ID", "store or authentication key not valid")
	}
	switch req.Method {
	case "create":
		o := req.Order
		amount, ok := minor(o.Amount, o.Currency)
		switch {
		case o.CartID == "" || len(o.CartID) > 63:
			return fail("E03:Cart ID not set", "cartid is required, up to 63 characters")
		case !ok:
			return fail("E05:Transaction cost or currency not valid", "")
		case o.Test != "0" && o.Test != "1":
			return fail("E06:Invalid transaction mode", "test must be 0 or 1")
		case req.Return.Authorised == "" || req.Return.Declined == "" || req.Return.Cancelled == "":
			return fail("E01:Invalid request", "return URLs are required")
		case s.carts[o.CartID]:
			return fail("E56:Duplicate transaction", "Cart ID must be unique")
		}
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		ref := strings.ToUpper(hex.EncodeToString(b))
		test := 0
		if o.Test == "1" {
			test = 1
		}
		s.orders[ref] = &order{Ref: ref, URL: s.URL + "/gateway/process.html?o=" + ref, CartID: o.CartID, Test: test, Amount: o.Amount,
			Currency: o.Currency, Description: o.Description, Status: status{1, "Pending"}, minor: amount}
		s.carts[o.CartID] = true
		out, _ := json.Marshal(map[string]any{"method": "create", "trace": "4001/STUB", "order": map[string]string{"ref": ref, "url": s.orders[ref].URL}})
		return 200, out, true
	case "check":
		o := s.orders[req.Order.Ref]
		if o == nil {
			return fail("E25:Order not found", "")
		}
		out, _ := json.Marshal(map[string]any{"method": "check", "trace": "4001/STUB", "order": o})
		return 200, out, false
	}
	return fail("E01:Invalid request", "method must be create or check")
}

type remoteAuth struct {
	XMLName xml.Name `xml:"remote"`
	Status  string   `xml:"auth>status"`
	Code    string   `xml:"auth>code"`
	Message string   `xml:"auth>message"`
	TranRef string   `xml:"auth>tranref"`
	CartID  string   `xml:"auth>cartid"`
	Trace   string   `xml:"auth>trace"`
}

func (s *Stub) remoteXML(r *http.Request) (int, []byte, bool) {
	var req struct {
		Store string `xml:"store"`
		Key   string `xml:"key"`
		Tran  struct {
			Type        string `xml:"type"`
			Class       string `xml:"class"`
			CartID      string `xml:"cartid"`
			Description string `xml:"description"`
			Test        string `xml:"test"`
			Currency    string `xml:"currency"`
			Amount      string `xml:"amount"`
			Ref         string `xml:"ref"`
		} `xml:"tran"`
	}
	answer := func(a remoteAuth, changed bool) (int, []byte, bool) {
		a.Trace = "4001/STUB"
		b, _ := xml.Marshal(a)
		return 200, append([]byte(xml.Header), b...), changed
	}
	refuse := func(code, msg string) (int, []byte, bool) {
		return answer(remoteAuth{Status: "E", Code: code, Message: msg}, false)
	}
	if err := xml.NewDecoder(r.Body).Decode(&req); err != nil {
		return refuse("1", "Invalid request")
	}
	t := req.Tran
	t.Type, t.Class = strings.ToLower(t.Type), strings.ToLower(t.Class)
	s.requests = append(s.requests, r.URL.Path+" "+t.Type+" "+req.Tran.CartID)
	o := s.byTran[t.Ref]
	amount, ok := minor(t.Amount, t.Currency)
	switch {
	case req.Store != s.StoreID || req.Key != s.RemoteKey:
		return refuse("4", "Invalid store ID or authentication key")
	case t.Class != "ecom" || (t.Type != "refund" && t.Type != "void"):
		return refuse("1", "Invalid request: type refund or void, class ecom")
	case req.Tran.CartID == "":
		return refuse("3", "Cart ID not set")
	case s.carts[req.Tran.CartID]:
		return refuse("56", "Duplicate transaction")
	case o == nil || o.Transaction.Status != "A" || o.voided:
		return refuse("32", "Original transaction cannot be followed up")
	case !ok || t.Currency != o.Currency:
		return refuse("5", "Transaction cost or currency not valid")
	case t.Type == "refund" && amount > o.minor-o.refunded:
		return refuse("5", "Refund exceeds what is left")
	case t.Type == "void" && (amount != o.minor || o.refunded > 0):
		return refuse("32", "A void takes the whole amount of a transaction with nothing refunded")
	}
	s.carts[req.Tran.CartID] = true
	if t.Type == "refund" {
		o.refunded += amount
	} else {
		o.voided = true
	}
	tr := &transaction{Ref: s.tranRef(), Type: t.Type, Class: "ECom", Status: "A", Code: fmt.Sprintf("%06d", s.n), Message: "Authorised"}
	s.advise(o, tr, o.Transaction.Ref, t.Amount)
	return answer(remoteAuth{Status: "A", Code: tr.Code, Message: tr.Message, TranRef: tr.Ref, CartID: req.Tran.CartID}, true)
}
