// Package stripetest is a small stateful stand-in for Stripe's API, for
// flow tests: it speaks Stripe's wire format (form-encoded requests, JSON
// objects and errors, Idempotency-Key replays) for PaymentIntents and
// Refunds, and records the webhook events Stripe would send, so a test can
// deliver them. stripe-mock checks request shapes but keeps no state;
// this keeps state but knows only what souq uses.
//
// Test payment methods: pm_card_visa authorizes, pm_card_threeDSecure2Required
// requires action (Authenticate completes it), pm_card_chargeDeclined
// declines.
//
// It may import the standard library only.
package stripetest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Stub is the fake Stripe.
type Stub struct {
	*httptest.Server

	mu       sync.Mutex
	n        int
	intents  map[string]map[string]any
	refunded map[string]int64
	replies  map[string][]byte // by Idempotency-Key
	events   []map[string]any
	requests []string
	// drop is how many more POST answers are lost after taking effect
	// (the connection is cut), as a network failure would.
	drop int
}

// New starts a stub; Close it when done.
func New() *Stub {
	s := &Stub{intents: map[string]map[string]any{}, refunded: map[string]int64{}, replies: map[string][]byte{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// DropAnswers makes the next n POSTs take effect at the stub but lose
// their answers. Go's transport itself resends a POST carrying an
// Idempotency-Key once when the connection drops, so losing an outcome for
// good takes n = 2.
func (s *Stub) DropAnswers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop = n
}

func hangUp(w http.ResponseWriter) bool {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			_ = c.(net.Conn).Close()
			return true
		}
	}
	return false
}

// Requests lists "METHOD path" of every request served.
func (s *Stub) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// Events returns the webhook events sent so far, as Stripe's JSON bodies.
func (s *Stub) Events() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][]byte, len(s.events))
	for i, e := range s.events {
		out[i], _ = json.Marshal(e)
	}
	return out
}

// Authenticate completes 3-D Secure on an intent that requires action, as
// the customer would in the browser.
func (s *Stub) Authenticate(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	pi := s.intents[id]
	if pi == nil || pi["status"] != "requires_action" {
		return fmt.Errorf("stripetest: %s does not require action", id)
	}
	s.authorize(pi)
	return nil
}

func (s *Stub) id(prefix string) string {
	s.n++
	return fmt.Sprintf("%s_%d%s", prefix, s.n, strings.Repeat("x", 10))
}

func (s *Stub) event(typ string, obj map[string]any) {
	cp := map[string]any{}
	for k, v := range obj {
		cp[k] = v
	}
	s.events = append(s.events, map[string]any{"id": s.id("evt"), "object": "event", "type": typ,
		"created": time.Now().Unix(), "livemode": false, "api_version": "2025-07-30.basil", "data": map[string]any{"object": cp}})
}

// authorize holds the card; an intent created without manual capture is
// captured at once, as Stripe does (charge.succeeded, then
// payment_intent.succeeded).
func (s *Stub) authorize(pi map[string]any) {
	pi["latest_charge"] = s.id("ch")
	if pi["capture_method"] != "manual" {
		pi["status"], pi["amount_received"], pi["amount_capturable"] = "succeeded", pi["amount"], int64(0)
		s.event("charge.succeeded", map[string]any{"id": pi["latest_charge"], "object": "charge", "amount": pi["amount"], "amount_captured": pi["amount"],
			"amount_refunded": 0, "currency": pi["currency"], "captured": true, "payment_intent": pi["id"], "metadata": pi["metadata"]})
		s.event("payment_intent.succeeded", pi)
		return
	}
	pi["status"] = "requires_capture"
	pi["amount_capturable"] = pi["amount"]
	s.event("payment_intent.amount_capturable_updated", pi)
}

type stripeErr struct {
	status                  int
	typ, code, decline, msg string
	intent                  map[string]any
}

func (s *Stub) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	key := r.Header.Get("Idempotency-Key")
	if prev, ok := s.replies[key]; ok && key != "" && r.Method == http.MethodPost {
		drop := s.drop > 0
		if drop {
			s.drop--
		}
		s.mu.Unlock()
		if drop && hangUp(w) {
			return
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(prev)
		return
	}
	status, body := s.route(r)
	if key != "" && r.Method == http.MethodPost && status < 500 {
		s.replies[key] = body
	}
	drop := s.drop > 0 && r.Method == http.MethodPost
	if drop {
		s.drop--
	}
	s.mu.Unlock()
	if drop && hangUp(w) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_stub")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// route serves one request; the caller holds mu.
func (s *Stub) route(r *http.Request) (int, []byte) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	ok := func(v any) (int, []byte) { b, _ := json.Marshal(v); return 200, b }
	fail := func(e stripeErr) (int, []byte) {
		body := map[string]any{"type": e.typ, "code": e.code, "message": e.msg}
		if e.decline != "" {
			body["decline_code"] = e.decline
		}
		if e.intent != nil {
			body["payment_intent"] = e.intent
		}
		b, _ := json.Marshal(map[string]any{"error": body})
		return e.status, b
	}
	notFound := stripeErr{404, "invalid_request_error", "resource_missing", "", "No such payment_intent", nil}
	state := func(pi map[string]any, want string) (int, []byte, bool) {
		if pi["status"] != want {
			c, b := fail(stripeErr{400, "invalid_request_error", "payment_intent_unexpected_state", "",
				fmt.Sprintf("This PaymentIntent's status is %s, not %s.", pi["status"], want), pi})
			return c, b, false
		}
		return 0, nil, true
	}
	num := func(name string) (int64, bool) {
		n, err := strconv.ParseInt(r.PostForm.Get(name), 10, 64)
		return n, err == nil && n > 0
	}
	switch {
	case r.Method == http.MethodPost && len(parts) == 2 && parts[1] == "payment_intents":
		amount, okA := num("amount")
		cur := r.PostForm.Get("currency")
		if !okA || cur == "" {
			return fail(stripeErr{400, "invalid_request_error", "parameter_missing", "", "amount and currency are required", nil})
		}
		if (cur == "kwd" || cur == "bhd" || cur == "omr") && amount%10 != 0 {
			return fail(stripeErr{400, "invalid_request_error", "amount_invalid", "", "three-decimal amounts must end in 0", nil})
		}
		id := s.id("pi")
		md := map[string]any{}
		for k, v := range r.PostForm {
			if strings.HasPrefix(k, "metadata[") {
				md[strings.TrimSuffix(strings.TrimPrefix(k, "metadata["), "]")] = v[0]
			}
		}
		pi := map[string]any{"id": id, "object": "payment_intent", "amount": amount, "currency": cur, "status": "requires_payment_method",
			"capture_method": r.PostForm.Get("capture_method"), "amount_capturable": 0, "amount_received": 0,
			"client_secret": id + "_secret_stub", "metadata": md, "latest_charge": nil, "livemode": false}
		s.intents[id] = pi
		return ok(pi)
	case len(parts) >= 3 && parts[1] == "payment_intents":
		pi := s.intents[parts[2]]
		if pi == nil {
			return fail(notFound)
		}
		if r.Method == http.MethodGet && len(parts) == 3 {
			return ok(pi)
		}
		if len(parts) != 4 || r.Method != http.MethodPost {
			break
		}
		switch parts[3] {
		case "confirm":
			if c, b, good := state(pi, "requires_payment_method"); !good {
				return c, b
			}
			switch r.PostForm.Get("payment_method") {
			case "pm_card_threeDSecure2Required":
				pi["status"] = "requires_action"
				pi["next_action"] = map[string]any{"type": "use_stripe_sdk"}
				s.event("payment_intent.requires_action", pi)
			case "pm_card_chargeDeclined":
				pi["last_payment_error"] = map[string]any{"type": "card_error", "code": "card_declined", "decline_code": "generic_decline", "message": "Your card was declined."}
				s.event("payment_intent.payment_failed", pi)
				return fail(stripeErr{402, "card_error", "card_declined", "generic_decline", "Your card was declined.", pi})
			default:
				s.authorize(pi)
			}
			return ok(pi)
		case "capture":
			if c, b, good := state(pi, "requires_capture"); !good {
				return c, b
			}
			amount := pi["amount_capturable"].(int64)
			if n, given := num("amount_to_capture"); given {
				if n > amount {
					return fail(stripeErr{400, "invalid_request_error", "amount_too_large", "", "amount_to_capture exceeds amount_capturable", pi})
				}
				amount = n
			}
			pi["status"], pi["amount_received"], pi["amount_capturable"] = "succeeded", amount, int64(0)
			ch := map[string]any{"id": pi["latest_charge"], "object": "charge", "amount": pi["amount"], "amount_captured": amount,
				"amount_refunded": 0, "currency": pi["currency"], "captured": true, "payment_intent": pi["id"], "metadata": pi["metadata"]}
			s.event("charge.captured", ch)
			s.event("payment_intent.succeeded", pi)
			return ok(pi)
		case "cancel":
			switch pi["status"] {
			case "succeeded", "canceled":
				return fail(stripeErr{400, "invalid_request_error", "payment_intent_unexpected_state", "", "cannot cancel", pi})
			}
			pi["status"], pi["amount_capturable"] = "canceled", int64(0)
			pi["cancellation_reason"] = r.PostForm.Get("cancellation_reason")
			s.event("payment_intent.canceled", pi)
			return ok(pi)
		}
	case r.Method == http.MethodPost && len(parts) == 2 && parts[1] == "refunds":
		pi := s.intents[r.PostForm.Get("payment_intent")]
		if pi == nil {
			return fail(notFound)
		}
		if pi["status"] != "succeeded" {
			return fail(stripeErr{400, "invalid_request_error", "charge_not_captured", "", "nothing captured", nil})
		}
		left := pi["amount_received"].(int64) - s.refunded[pi["id"].(string)]
		amount := left
		if n, given := num("amount"); given {
			amount = n
		}
		if amount > left || amount <= 0 {
			return fail(stripeErr{400, "invalid_request_error", "amount_too_large", "", "refund exceeds what is left", nil})
		}
		s.refunded[pi["id"].(string)] += amount
		md := map[string]any{}
		for k, v := range r.PostForm {
			if strings.HasPrefix(k, "metadata[") {
				md[strings.TrimSuffix(strings.TrimPrefix(k, "metadata["), "]")] = v[0]
			}
		}
		re := map[string]any{"id": s.id("re"), "object": "refund", "amount": amount, "currency": pi["currency"], "status": "succeeded",
			"payment_intent": pi["id"], "charge": pi["latest_charge"], "metadata": md}
		ch := map[string]any{"id": pi["latest_charge"], "object": "charge", "amount": pi["amount"], "amount_captured": pi["amount_received"],
			"amount_refunded": s.refunded[pi["id"].(string)], "currency": pi["currency"], "payment_intent": pi["id"],
			"refunds": map[string]any{"object": "list", "data": []any{re}}}
		s.event("charge.refunded", ch)
		return ok(re)
	}
	return fail(stripeErr{404, "invalid_request_error", "", "", "Unrecognized request URL " + r.URL.Path, nil})
}
