package telr

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/internal/psp"
)

// Refusals of ParseAdvice and Confirm.
var (
	ErrMalformed = errors.New("telr: malformed transaction advice")
	// ErrContradicted: the advice says what Telr's own record (method
	// check) does not: forged, altered, or about another order.
	ErrContradicted = errors.New("telr: transaction advice contradicts Telr's record of the order")
)

// Advice is a transaction advice message: Telr's server-to-server POST of
// form fields (tran_store, tran_type, tran_ref, tran_cartid …) for each
// transaction on the store. It is not signed with a key souq holds, so it
// is a hint to check the order, never a fact by itself.
type Advice struct {
	Store, Type, Class, Ref, PrevRef, CartID, Currency, Amount, Status, AuthCode, AuthMessage string
	Test                                                                                      bool
}

// ParseAdvice reads an advice's raw form body.
func ParseAdvice(body []byte) (Advice, error) {
	bad := func(format string, args ...any) (Advice, error) {
		return Advice{}, fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	if !utf8.Valid(body) {
		return bad("the body is not valid UTF-8")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return bad("%v", err)
	}
	one := func(k string) string { return strings.TrimSpace(form.Get(k)) }
	a := Advice{Store: one("tran_store"), Type: strings.ToLower(one("tran_type")), Class: strings.ToLower(one("tran_class")), Ref: one("tran_ref"),
		PrevRef: one("tran_prevref"), CartID: one("tran_cartid"), Currency: one("tran_currency"), Amount: one("tran_amount"),
		Status: one("tran_status"), AuthCode: one("tran_authcode"), AuthMessage: one("tran_authmessage"), Test: one("tran_test") == "1"}
	if _, err := strconv.ParseUint(a.Store, 10, 64); err != nil || len(a.Store) > 20 {
		return bad("tran_store %.30q is not a store ID", a.Store)
	}
	if !digits(a.Ref, 30) || (a.PrevRef != "" && a.PrevRef != "0" && !digits(a.PrevRef, 30)) {
		return bad("tran_ref %.40q or tran_prevref %.40q is not a transaction reference", a.Ref, a.PrevRef)
	}
	if a.Type == "" || len(a.Type) > 20 || len(a.Status) != 1 {
		return bad("tran_type %.20q, tran_status %.5q", a.Type, a.Status)
	}
	if _, ok := PaymentOf(a.CartID); !ok || len(a.CartID) > MaxCartID {
		return bad("tran_cartid %.70q is not a souq cart", a.CartID)
	}
	return a, nil
}

func digits(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Initial reports whether the advice is about the order's own payment (a
// sale or an authorisation) rather than a follow-up (refund, void,
// capture).
func (a Advice) Initial() bool { return a.Type == "sale" || a.Type == "auth" }

// Confirm checks the advice against Telr's record of the order it names
// (fetched with method check by the reference souq recorded): same store
// and cart; for the order's own payment, the same transaction, amount and
// currency, and an outcome that agrees; for a follow-up, a transaction
// after the order's own.
func Confirm(a Advice, store string, o Order) error {
	no := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrContradicted, fmt.Sprintf(format, args...))
	}
	if a.Store != store || o.CartID != a.CartID {
		return no("store %s cart %s, Telr's order %s is cart %s of store %s", a.Store, a.CartID, o.Ref, o.CartID, store)
	}
	if !a.Initial() {
		if a.PrevRef != o.Transaction.Ref || o.Transaction.Ref == "" {
			return no("%s after transaction %s; the order's transaction is %q", a.Type, a.PrevRef, o.Transaction.Ref)
		}
		return nil
	}
	if a.Ref != o.Transaction.Ref {
		return no("transaction %s; the order's transaction is %q", a.Ref, o.Transaction.Ref)
	}
	got, err := psp.Amount(a.Amount, a.Currency)
	want, werr := o.Money()
	if err != nil || werr != nil || got != want {
		return no("amount %s %s; the order is for %s %s", a.Amount, a.Currency, o.Amount, o.Currency)
	}
	authorised := a.Status == "A" || a.Status == "H"
	paid := o.Status.Code == StatusAuthorised || o.Status.Code == StatusPaid
	if authorised != paid {
		return no("status %s; the order is %s", a.Status, o.Status.Text)
	}
	return nil
}

// Actions are the payment facts Telr's record of an order reports: paid
// (a sale: authorised and captured), authorised, declined, cancelled or
// expired; none while it waits for the customer.
func Actions(o Order) ([]psp.Action, error) {
	ref := o.Ref
	switch o.Status.Code {
	case StatusPaid, StatusAuthorised:
		m, err := o.Money()
		if err != nil {
			return nil, err
		}
		out := []psp.Action{{Kind: psp.Authorize, Ref: ref, Key: "authorize:" + ref, Amount: m}}
		if o.Status.Code == StatusPaid {
			out = append(out, psp.Action{Kind: psp.Capture, Ref: ref, Key: "capture:" + ref, Amount: m})
		}
		return out, nil
	case StatusDeclined:
		code := psp.Slug("telr_" + psp.FirstOf(o.Transaction.Code, "declined"))
		if !domain.ValidID(code) {
			code = "telr_declined"
		}
		return []psp.Action{{Kind: psp.Fail, Ref: ref, Key: "fail:" + ref, Code: code, Reason: psp.Truncate(psp.FirstOf(o.Transaction.Message, o.Status.Text), 500)}}, nil
	case StatusCancelled, StatusExpired:
		return []psp.Action{{Kind: psp.Cancel, Ref: ref, Key: "cancel:" + ref, Reason: psp.Truncate("Telr: "+o.Status.Text, 500)}}, nil
	}
	return nil, nil
}
