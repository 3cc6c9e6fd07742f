package stripe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/souq-market/souq/domain"
)

// Tolerance is how old a Stripe-Signature timestamp may be: Stripe's own
// default, 300 s.
const Tolerance = webhook.DefaultTolerance

// Refusals of Verify and Parse.
var (
	ErrSignature = errors.New("stripe: webhook signature does not match")
	ErrExpired   = errors.New("stripe: webhook timestamp outside the tolerance")
	ErrMalformed = errors.New("stripe: malformed webhook event")
)

// Verify checks the Stripe-Signature header on the raw body with
// stripe-go's webhook package (HMAC-SHA256, constant-time compare, every v1
// signature tried for a secret being rolled).
func Verify(body []byte, header, secret string, tolerance time.Duration) error {
	if secret == "" {
		return fmt.Errorf("%w: no webhook secret configured", ErrSignature)
	}
	err := webhook.ValidatePayloadWithTolerance(body, header, secret, tolerance)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, webhook.ErrTooOld):
		return fmt.Errorf("%w: %w", ErrExpired, err)
	}
	return fmt.Errorf("%w: %w", ErrSignature, err)
}

// Kind is what a Stripe event asks souq to record.
type Kind string

const (
	RequireAction Kind = "require_action"
	Authorize     Kind = "authorize"
	Capture       Kind = "capture"
	Fail          Kind = "fail"
	Cancel        Kind = "cancel"
	Refund        Kind = "refund"
	// RefundedTotal: a charge.refunded without its refunds listed (newer
	// API versions do not expand them); Amount is the charge's refunded
	// total, and the difference to what souq has recorded is a refund.
	RefundedTotal Kind = "refunded_total"
	Chargeback    Kind = "chargeback"
)

// Action is one payment command a Stripe event maps to.
type Action struct {
	Kind          Kind
	PaymentIntent string // the provider reference souq recorded
	// Key identifies the fact recorded, for every delivery of every event
	// reporting it: the Stripe event ID, or, for a fact two event types
	// report (a capture in charge.captured and payment_intent.succeeded,
	// the authorization before it), the object that fact is about.
	Key      string
	Amount   domain.Money
	RefundID string // Refund: souq's refund ID when souq asked, else Stripe's
	Code     string
	Reason   string
}

// Event is a verified Stripe event and the actions it maps to; none for a
// type souq does not record.
type Event struct {
	ID, Type string
	Created  time.Time
	Actions  []Action
}

// ref is an expandable field: an ID, or the object with its ID.
type ref string

func (r *ref) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*r = ref(s)
		return nil
	}
	var o struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = ref(o.ID)
	return nil
}

type envelope struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Data    struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

type paymentIntent struct {
	ID                 string `json:"id"`
	Amount             int64  `json:"amount"`
	AmountCapturable   int64  `json:"amount_capturable"`
	AmountReceived     int64  `json:"amount_received"`
	Currency           string `json:"currency"`
	LatestCharge       ref    `json:"latest_charge"`
	CancellationReason string `json:"cancellation_reason"`
	LastPaymentError   *struct {
		Code        string `json:"code"`
		DeclineCode string `json:"decline_code"`
		Message     string `json:"message"`
	} `json:"last_payment_error"`
}

type charge struct {
	ID             string `json:"id"`
	Amount         int64  `json:"amount"`
	AmountCaptured int64  `json:"amount_captured"`
	AmountRefunded int64  `json:"amount_refunded"`
	Currency       string `json:"currency"`
	PaymentIntent  ref    `json:"payment_intent"`
	Refunds        *struct {
		Data []struct {
			ID       string            `json:"id"`
			Amount   int64             `json:"amount"`
			Currency string            `json:"currency"`
			Status   string            `json:"status"`
			Metadata map[string]string `json:"metadata"`
		} `json:"data"`
	} `json:"refunds"`
}

type dispute struct {
	ID            string `json:"id"`
	Amount        int64  `json:"amount"`
	Currency      string `json:"currency"`
	Reason        string `json:"reason"`
	PaymentIntent ref    `json:"payment_intent"`
}

// maxID bounds the Stripe IDs souq records (Stripe's are under 100 bytes).
const maxID = 200

// Parse reads a verified body: the event's ID and type, and the actions of
// the types souq records (payment_intent.requires_action, .succeeded,
// .payment_failed, .canceled, .amount_capturable_updated, charge.captured,
// charge.refunded, charge.dispute.created). Other types parse with no
// actions.
func Parse(body []byte) (Event, error) {
	bad := func(format string, args ...any) (Event, error) {
		return Event{}, fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	if !utf8.Valid(body) {
		return bad("the body is not valid UTF-8")
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return bad("%v", err)
	}
	if !strings.HasPrefix(env.ID, "evt_") || len(env.ID) > maxID || env.Type == "" || len(env.Type) > maxID || env.Object != "event" {
		return bad("not a Stripe event (id %.40q, type %.40q, object %.20q)", env.ID, env.Type, env.Object)
	}
	ev := Event{ID: env.ID, Type: env.Type, Created: time.Unix(env.Created, 0).UTC()}
	obj := env.Data.Object
	var err error
	switch {
	case strings.HasPrefix(env.Type, "payment_intent."):
		ev.Actions, err = intentActions(env, obj)
	case env.Type == "charge.captured" || env.Type == "charge.refunded":
		ev.Actions, err = chargeActions(env, obj)
	case env.Type == "charge.dispute.created":
		var d dispute
		if err = decodeObject(obj, &d); err != nil {
			break
		}
		var m domain.Money
		if m, err = positive(d.Amount, d.Currency); err == nil {
			ev.Actions = []Action{{Kind: Chargeback, PaymentIntent: string(d.PaymentIntent), Key: "dispute:" + d.ID, Amount: m, Reason: d.Reason}}
		}
	}
	if err != nil {
		return bad("%s: %v", env.Type, err)
	}
	for _, a := range ev.Actions {
		if a.PaymentIntent == "" || len(a.PaymentIntent) > maxID || len(a.Key) > maxID+20 || len(a.RefundID) > maxID {
			return bad("%s: missing or oversized PaymentIntent, object or refund ID", env.Type)
		}
	}
	return ev, nil
}

func decodeObject(obj json.RawMessage, dst any) error {
	if len(obj) == 0 || obj[0] != '{' {
		return errors.New("data.object is not an object")
	}
	return json.Unmarshal(obj, dst)
}

func positive(amount int64, currency string) (domain.Money, error) {
	if amount <= 0 {
		return domain.Money{}, fmt.Errorf("amount %d is not positive", amount)
	}
	return money(amount, currency)
}

func intentActions(env envelope, obj json.RawMessage) ([]Action, error) {
	var pi paymentIntent
	if err := decodeObject(obj, &pi); err != nil {
		return nil, err
	}
	authorizeKey := "authorize:" + pi.ID
	switch env.Type {
	case "payment_intent.requires_action":
		return []Action{{Kind: RequireAction, PaymentIntent: pi.ID, Key: env.ID}}, nil
	case "payment_intent.amount_capturable_updated":
		if pi.AmountCapturable == 0 {
			return nil, nil // capturable went to nothing: a capture or a cancel follows with its own event
		}
		m, err := positive(pi.AmountCapturable, pi.Currency)
		return []Action{{Kind: Authorize, PaymentIntent: pi.ID, Key: authorizeKey, Amount: m}}, err
	case "payment_intent.succeeded":
		full, err := positive(pi.Amount, pi.Currency)
		if err != nil {
			return nil, err
		}
		got, err := positive(pi.AmountReceived, pi.Currency)
		if err != nil {
			return nil, err
		}
		return []Action{
			{Kind: Authorize, PaymentIntent: pi.ID, Key: authorizeKey, Amount: full},
			{Kind: Capture, PaymentIntent: pi.ID, Key: captureKey(pi.ID, string(pi.LatestCharge)), Amount: got},
		}, nil
	case "payment_intent.payment_failed":
		code, reason := "payment_failed", ""
		if e := pi.LastPaymentError; e != nil {
			code, reason = firstOf(e.DeclineCode, e.Code, code), e.Message
		}
		return []Action{{Kind: Fail, PaymentIntent: pi.ID, Key: env.ID, Code: slug(code), Reason: truncate(reason, 500)}}, nil
	case "payment_intent.canceled":
		return []Action{{Kind: Cancel, PaymentIntent: pi.ID, Key: env.ID, Reason: truncate(pi.CancellationReason, 500)}}, nil
	}
	return nil, nil
}

// captureKey names a capture: Stripe captures a PaymentIntent's charge
// once, and both charge.captured and payment_intent.succeeded report it.
func captureKey(intent, charge string) string {
	if charge == "" {
		return "capture:" + intent
	}
	return "capture:" + charge
}

func chargeActions(env envelope, obj json.RawMessage) ([]Action, error) {
	var ch charge
	if err := decodeObject(obj, &ch); err != nil {
		return nil, err
	}
	pi := string(ch.PaymentIntent)
	if env.Type == "charge.captured" {
		full, err := positive(ch.Amount, ch.Currency)
		if err != nil {
			return nil, err
		}
		got, err := positive(ch.AmountCaptured, ch.Currency)
		if err != nil {
			return nil, err
		}
		return []Action{
			{Kind: Authorize, PaymentIntent: pi, Key: "authorize:" + pi, Amount: full},
			{Kind: Capture, PaymentIntent: pi, Key: captureKey(pi, ch.ID), Amount: got},
		}, nil
	}
	if ch.Refunds == nil {
		m, err := positive(ch.AmountRefunded, ch.Currency)
		return []Action{{Kind: RefundedTotal, PaymentIntent: pi, Key: fmt.Sprintf("refunded:%s:%d", ch.ID, ch.AmountRefunded), Amount: m}}, err
	}
	var out []Action
	for _, r := range ch.Refunds.Data {
		if r.Status != "succeeded" && r.Status != "pending" {
			continue // failed or cancelled refunds returned nothing
		}
		m, err := positive(r.Amount, firstOf(r.Currency, ch.Currency))
		if err != nil {
			return nil, err
		}
		out = append(out, Action{Kind: Refund, PaymentIntent: pi, Key: "refund:" + r.ID, Amount: m,
			RefundID: firstOf(r.Metadata[MetaRefundID], r.ID), Reason: truncate(r.Metadata[MetaReason], 500)})
	}
	return out, nil
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// slug keeps a Stripe code usable as a domain code (an ID: no spaces).
func slug(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, s)
	return truncate(s, 100)
}
