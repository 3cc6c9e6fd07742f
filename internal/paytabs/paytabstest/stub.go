// Package paytabstest is a small stateful stand-in for PayTabs' PT2 API,
// for flow tests: it speaks PayTabs' wire format (JSON bodies, the server
// key in the authorization header, POST /payment/request for hosted pages
// and follow-ups, POST /payment/query by tran_ref or cart_id, errors as
// {"code","message","trace"}), and records the callbacks PayTabs would post,
// signed (Signature: hex HMAC-SHA256 of the body keyed by the server key),
// so a test can deliver them. It knows only what souq uses.
//
// Pay completes a hosted page as the customer would, approved or declined.
//
// It may import the standard library only.
package paytabstest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Callback is one signed callback PayTabs would post.
type Callback struct {
	Body      []byte
	Signature string
}

// Stub is the fake PayTabs.
type Stub struct {
	*httptest.Server
	ProfileID int64
	ServerKey string

	mu        sync.Mutex
	n         int
	trans     map[string]*tran
	carts     map[string][]string // cart_id → tran_refs, oldest first
	callbacks []Callback
	requests  []string
	drop      int
}

type result struct {
	Status  string `json:"response_status"`
	Code    string `json:"response_code"`
	Message string `json:"response_message"`
	Time    string `json:"transaction_time"`
}

type tran struct {
	TranRef         string  `json:"tran_ref"`
	PreviousTranRef string  `json:"previous_tran_ref,omitempty"`
	TranType        string  `json:"tran_type"`
	TranClass       string  `json:"tran_class"`
	CartID          string  `json:"cart_id"`
	CartDescription string  `json:"cart_description"`
	CartCurrency    string  `json:"cart_currency"`
	CartAmount      string  `json:"cart_amount"`
	TranCurrency    string  `json:"tran_currency"`
	TranTotal       string  `json:"tran_total"`
	Callback        string  `json:"callback,omitempty"`
	Return          string  `json:"return,omitempty"`
	RedirectURL     string  `json:"redirect_url,omitempty"`
	ProfileID       int64   `json:"profileId"`
	Result          *result `json:"payment_result,omitempty"`
	Trace           string  `json:"trace"`

	minor, refunded int64 // amounts in minor units
	voided          bool
}

// New starts a stub for one profile; Close it when done.
func New(profileID int64, serverKey string) *Stub {
	s := &Stub{ProfileID: profileID, ServerKey: serverKey, trans: map[string]*tran{}, carts: map[string][]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// DropAnswers makes the next n payment requests take effect but lose
// their answers (the connection is cut), as a network failure would. Go's
// transport does not resend these POSTs (no idempotency key), so n = 1
// loses one outcome.
func (s *Stub) DropAnswers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop = n
}

// Requests lists "path tran_type-or-lookup" of every request served.
func (s *Stub) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// Callbacks returns the callbacks sent so far.
func (s *Stub) Callbacks() []Callback {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Callback(nil), s.callbacks...)
}

// Pay completes a hosted page: approved, or declined for insufficient
// funds.
func (s *Stub) Pay(ref string, approve bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.trans[ref]
	if t == nil || t.Result != nil {
		return fmt.Errorf("paytabstest: no page %s waiting for the customer", ref)
	}
	t.Result = &result{Status: "A", Code: fmt.Sprintf("G%05d", s.next()), Message: "Authorised", Time: time.Now().UTC().Format(time.RFC3339)}
	if !approve {
		t.Result = &result{Status: "D", Code: "340", Message: "Insufficient funds", Time: time.Now().UTC().Format(time.RFC3339)}
	}
	s.callback(t)
	return nil
}

func (s *Stub) next() int { s.n++; return s.n }

func (s *Stub) callback(t *tran) {
	b, _ := json.Marshal(t)
	mac := hmac.New(sha256.New, []byte(s.ServerKey))
	mac.Write(b)
	s.callbacks = append(s.callbacks, Callback{Body: b, Signature: hex.EncodeToString(mac.Sum(nil))})
}

func (s *Stub) serve(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	d := json.NewDecoder(r.Body)
	d.UseNumber()
	status, answer := 0, []byte(nil)
	s.mu.Lock()
	switch {
	case r.Method != http.MethodPost:
		status, answer = fail(405, 2, "POST only")
	case r.Header.Get("Authorization") != s.ServerKey:
		status, answer = fail(401, 1, "Authentication failed. Check authentication header.")
	case d.Decode(&body) != nil:
		status, answer = fail(400, 2, "Invalid request: the body is not JSON")
	case fmt.Sprint(body["profile_id"]) != fmt.Sprint(s.ProfileID):
		status, answer = fail(400, 1, "Authentication failed. Profile ID does not match the server key.")
	case r.URL.Path == "/payment/request":
		s.requests = append(s.requests, r.URL.Path+" "+str(body, "tran_type"))
		status, answer = s.request(body)
	case r.URL.Path == "/payment/query":
		s.requests = append(s.requests, r.URL.Path+" "+strings.TrimSpace(str(body, "tran_ref")+" "+str(body, "cart_id")))
		status, answer = s.query(body)
	default:
		status, answer = fail(404, 2, "Unknown endpoint "+r.URL.Path)
	}
	drop := s.drop > 0 && r.URL.Path == "/payment/request" && status == 200
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
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(answer)
}

func fail(status, code int, msg string) (int, []byte) {
	b, _ := json.Marshal(map[string]any{"code": code, "message": msg, "trace": "PMNT0000.STUB.0000"})
	return status, b
}

func ok(v any) (int, []byte) { b, _ := json.Marshal(v); return 200, b }

func str(body map[string]any, k string) string {
	v, _ := body[k].(string)
	return v
}

var decimals = map[string]int{"AED": 2, "SAR": 2, "KWD": 3, "BHD": 3, "OMR": 3}

// minor reads cart_amount, a JSON number, with at most the currency's
// decimals.
func minor(v any, currency string) (int64, string, bool) {
	n, isNum := v.(json.Number)
	dec, known := decimals[currency]
	if !isNum || !known {
		return 0, "", false
	}
	whole, frac, _ := strings.Cut(n.String(), ".")
	if len(frac) > dec || strings.ContainsAny(whole+frac, "-+eE") {
		return 0, "", false
	}
	frac += strings.Repeat("0", dec-len(frac))
	x, good := new(big.Int).SetString(whole+frac, 10)
	if !good || !x.IsInt64() || x.Int64() <= 0 {
		return 0, "", false
	}
	return x.Int64(), whole + "." + frac, true
}

func (s *Stub) request(body map[string]any) (int, []byte) {
	if str(body, "tran_class") != "ecom" {
		return fail(400, 2, "tran_class must be ecom")
	}
	cart, cur := str(body, "cart_id"), str(body, "cart_currency")
	amount, text, good := minor(body["cart_amount"], cur)
	switch {
	case cart == "" || len(cart) > 64:
		return fail(400, 2, "cart_id is required, up to 64 characters")
	case !good:
		return fail(400, 2, "cart_amount must be a positive number with the currency's decimals, cart_currency a known code")
	case str(body, "cart_description") == "":
		return fail(400, 2, "cart_description is required")
	}
	t := &tran{TranRef: fmt.Sprintf("TST%013d", 2410000000000+s.next()), TranClass: "ECom", CartID: cart, CartDescription: str(body, "cart_description"),
		CartCurrency: cur, CartAmount: text, TranCurrency: cur, TranTotal: text, ProfileID: s.ProfileID, Trace: "PMNT0401.STUB." + fmt.Sprint(s.n), minor: amount}
	now := time.Now().UTC().Format(time.RFC3339)
	switch typ := str(body, "tran_type"); typ {
	case "sale", "auth":
		t.TranType = strings.ToUpper(typ[:1]) + typ[1:]
		t.Callback, t.Return = str(body, "callback"), str(body, "return")
		t.RedirectURL = s.URL + "/payment/page/" + t.TranRef + "/start"
	case "refund", "void":
		orig := s.trans[str(body, "tran_ref")]
		if orig == nil {
			return fail(400, 2, "tran_ref: transaction not found")
		}
		t.TranType, t.PreviousTranRef = strings.ToUpper(typ[:1])+typ[1:], orig.TranRef
		switch {
		case orig.Result == nil || orig.Result.Status != "A" || orig.voided:
			return fail(400, 2, "the original transaction cannot be followed up: it is not authorised or already voided")
		case cur != orig.CartCurrency:
			return fail(400, 2, "currency differs from the original transaction")
		case typ == "refund" && (orig.TranType != "Sale" || amount > orig.minor-orig.refunded):
			return fail(400, 2, "refund amount exceeds what is left to refund")
		case typ == "void" && (orig.refunded > 0 || amount != orig.minor):
			return fail(400, 2, "a void takes the whole amount of a transaction with nothing refunded")
		}
		if typ == "refund" {
			orig.refunded += amount
		} else {
			orig.voided = true
		}
		t.Result = &result{Status: "A", Code: fmt.Sprintf("G%05d", s.next()), Message: "Authorised", Time: now}
		s.callback(t)
	default:
		return fail(400, 2, "tran_type must be sale, auth, refund or void")
	}
	s.trans[t.TranRef] = t
	s.carts[cart] = append(s.carts[cart], t.TranRef)
	return ok(t)
}

func (s *Stub) query(body map[string]any) (int, []byte) {
	if ref := str(body, "tran_ref"); ref != "" {
		if t := s.trans[ref]; t != nil {
			return ok(t)
		}
	} else if refs := s.carts[str(body, "cart_id")]; len(refs) > 0 {
		return ok(s.trans[refs[len(refs)-1]])
	}
	return fail(400, 2, "Transaction not found")
}
