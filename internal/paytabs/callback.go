package paytabs

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/internal/psp"
)

// SignatureHeader carries a callback's signature: the hex HMAC-SHA256 of
// the raw body keyed by the profile's server key.
const SignatureHeader = "Signature"

// Refusals of Verify and Parse.
var (
	ErrSignature = errors.New("paytabs: callback signature does not match")
	ErrMalformed = errors.New("paytabs: malformed callback")
)

// Sign is the signature PayTabs puts on body.
func Sign(body []byte, serverKey string) string {
	mac := hmac.New(sha256.New, []byte(serverKey))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a callback's signature on its raw body, in constant time.
func Verify(body []byte, signature, serverKey string) error {
	if serverKey == "" {
		return fmt.Errorf("%w: no server key configured", ErrSignature)
	}
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: not a hex HMAC-SHA256", ErrSignature)
	}
	want, _ := hex.DecodeString(Sign(body, serverKey))
	if !hmac.Equal(got, want) {
		return ErrSignature
	}
	return nil
}

// Transaction statuses (payment_result.response_status).
const (
	StatusAuthorised = "A"
	StatusHold       = "H" // authorised, held for PayTabs' fraud review
	StatusPending    = "P"
	StatusVoided     = "V"
	StatusError      = "E"
	StatusDeclined   = "D"
	StatusExpired    = "X"
	StatusCancelled  = "C"
)

// decimal is an amount PayTabs sends as a JSON string ("12.30") in
// answers and callbacks, as a number in requests.
type decimal string

func (d *decimal) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*d = decimal(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*d = decimal(n)
	return nil
}

// Transaction is PayTabs' record of a transaction: the answer of a payment
// request, a query, and a callback's body alike.
type Transaction struct {
	TranRef         string  `json:"tran_ref"`
	PreviousTranRef string  `json:"previous_tran_ref"`
	TranType        string  `json:"tran_type"` // Sale, Auth, Capture, Void, Release, Refund
	TranClass       string  `json:"tran_class"`
	CartID          string  `json:"cart_id"`
	CartCurrency    string  `json:"cart_currency"`
	CartAmount      decimal `json:"cart_amount"`
	RedirectURL     string  `json:"redirect_url"`
	Result          struct {
		Status  string `json:"response_status"`
		Code    string `json:"response_code"`
		Message string `json:"response_message"`
		Time    string `json:"transaction_time"`
	} `json:"payment_result"`
}

// Status is payment_result.response_status; empty for a page that has no
// result yet.
func (t Transaction) Status() string { return t.Result.Status }

// Type is tran_type in lower case ("sale").
func (t Transaction) Type() string { return strings.ToLower(t.TranType) }

// Amount is cart_amount in cart_currency.
func (t Transaction) Amount() (domain.Money, error) {
	return psp.Amount(string(t.CartAmount), t.CartCurrency)
}

// ReadTransaction decodes a transaction object.
func ReadTransaction(body []byte) (Transaction, error) {
	if !utf8.Valid(body) {
		return Transaction{}, errors.New("the body is not valid UTF-8")
	}
	if b := bytes.TrimSpace(body); len(b) == 0 || b[0] != '{' {
		return Transaction{}, errors.New("the body is not a JSON object")
	}
	var t Transaction
	if err := json.Unmarshal(body, &t); err != nil {
		return Transaction{}, err
	}
	return t, nil
}

// maxRef bounds the references souq records (PayTabs' are ~16 characters).
const maxRef = 64

// Event is a verified callback and the payment facts it reports; none for
// a transaction without a final outcome (pending, held for review).
type Event struct {
	Transaction
	Actions []psp.Action
}

// Parse reads a verified callback body.
func Parse(body []byte) (Event, error) {
	bad := func(format string, args ...any) (Event, error) {
		return Event{}, fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	t, err := ReadTransaction(body)
	if err != nil {
		return bad("%v", err)
	}
	if !safeRef(t.TranRef) || t.TranType == "" || len(t.TranType) > 20 || t.Status() == "" || len(t.Status()) > 2 || len(t.CartID) > 200 {
		return bad("not a PayTabs transaction (tran_ref %.40q, tran_type %.20q, response_status %.5q)", t.TranRef, t.TranType, t.Status())
	}
	ev := Event{Transaction: t}
	ev.Actions, err = actions(t)
	if err != nil {
		return bad("%s %s: %v", t.TranType, t.TranRef, err)
	}
	return ev, nil
}

func safeRef(s string) bool { return s != "" && len(s) <= maxRef && domain.ValidID(s) }

func actions(t Transaction) ([]psp.Action, error) {
	ok := t.Status() == StatusAuthorised
	failed := t.Status() == StatusDeclined || t.Status() == StatusError || t.Status() == StatusExpired || t.Status() == StatusCancelled
	amount := func() (domain.Money, error) { return t.Amount() }
	follows := func() (string, error) {
		if !safeRef(t.PreviousTranRef) {
			return "", fmt.Errorf("previous_tran_ref %.40q is missing or not a reference", t.PreviousTranRef)
		}
		return t.PreviousTranRef, nil
	}
	switch t.Type() {
	case "sale", "auth":
		switch {
		case ok:
			m, err := amount()
			if err != nil {
				return nil, err
			}
			out := []psp.Action{{Kind: psp.Authorize, Ref: t.TranRef, Key: "authorize:" + t.TranRef, Amount: m}}
			if t.Type() == "sale" {
				out = append(out, psp.Action{Kind: psp.Capture, Ref: t.TranRef, Key: "capture:" + t.TranRef, Amount: m})
			}
			return out, nil
		case failed:
			code := psp.Slug(psp.FirstOf(t.Result.Code, "status_"+t.Status()))
			if !domain.ValidID(code) {
				code = "declined"
			}
			return []psp.Action{{Kind: psp.Fail, Ref: t.TranRef, Key: "fail:" + t.TranRef, Code: code, Reason: psp.Truncate(t.Result.Message, 500)}}, nil
		}
	case "capture":
		if ok {
			ref, err := follows()
			if err != nil {
				return nil, err
			}
			m, err := amount()
			return []psp.Action{{Kind: psp.Capture, Ref: ref, Key: "capture:" + t.TranRef, Amount: m}}, err
		}
	case "refund":
		if ok {
			ref, err := follows()
			if err != nil {
				return nil, err
			}
			m, err := amount()
			id, souqs := RefundID(t.CartID)
			if !souqs {
				id = t.TranRef
			}
			return []psp.Action{{Kind: psp.Refund, Ref: ref, Key: "refund:" + t.TranRef, Amount: m, RefundID: id}}, err
		}
	case "void", "release":
		if ok {
			ref, err := follows()
			return []psp.Action{{Kind: psp.Cancel, Ref: ref, Key: "cancel:" + t.TranRef, Reason: "voided at PayTabs"}}, err
		}
	}
	return nil, nil
}
