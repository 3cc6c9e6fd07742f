package paytabs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/internal/psp"
)

// Provider is the name recorded on payments made through PayTabs.
const Provider = "paytabs"

// DefaultURL is PayTabs' UAE endpoint; each region has its own (KSA
// https://secure.paytabs.sa, Oman https://secure-oman.paytabs.com …), and a
// profile answers only on its own.
const DefaultURL = "https://secure.paytabs.com"

// MaxCartID bounds cart_id (PayTabs documents 64 characters).
const MaxCartID = 64

// Config is how the gateway reaches PayTabs.
type Config struct {
	ProfileID int64
	ServerKey string // sent as the authorization header; signs callbacks
	URL       string // the region's endpoint; empty: DefaultURL
	// CallbackURL is souq's POST /webhooks/paytabs as PayTabs reaches it
	// (HTTPS, or PayTabs posts an empty body); ReturnURL is where the
	// hosted page sends the customer back.
	CallbackURL, ReturnURL string
	HTTPClient             *http.Client
}

// Gateway is the PayTabs card gateway over the PT2 API: a hosted payment
// page per payment (tran_type "sale", tran_class "ecom"), refunds and voids
// as follow-up transactions on the sale's tran_ref.
type Gateway struct {
	cfg Config
}

var _ paycmd.Gateway = (*Gateway)(nil)

// New returns a gateway; the profile and the server key are required.
func New(cfg Config) (*Gateway, error) {
	if cfg.ProfileID <= 0 || cfg.ServerKey == "" {
		return nil, errors.New("paytabs: a profile ID and a server key are required")
	}
	cfg.URL, cfg.HTTPClient = psp.Endpoint(cfg.URL, DefaultURL, cfg.HTTPClient)
	return &Gateway{cfg: cfg}, nil
}

// Provider names PayTabs on payments.
func (g *Gateway) Provider() string { return Provider }

// CartID is the cart_id of a payment's sale: the payment ID itself, so a
// callback names its payment and a retried start is recognisable.
func CartID(id domain.PaymentID) string { return string(id) }

// Cart IDs of souq's follow-ups: the idempotency key and what it is for, so
// a follow-up whose answer was lost is found again by its cart.
const (
	refundSuffix = "~refund"
	voidSuffix   = "~void"
)

// RefundID reads souq's refund ID back from a refund's cart_id.
func RefundID(cartID string) (string, bool) {
	id, ok := strings.CutSuffix(cartID, refundSuffix)
	return id, ok && domain.ValidID(id)
}

// request is POST /payment/request, for a new sale and for follow-ups.
type request struct {
	ProfileID       int64       `json:"profile_id"`
	TranType        string      `json:"tran_type"`
	TranClass       string      `json:"tran_class"`
	CartID          string      `json:"cart_id"`
	CartCurrency    string      `json:"cart_currency"`
	CartAmount      json.Number `json:"cart_amount"`
	CartDescription string      `json:"cart_description"`
	TranRef         string      `json:"tran_ref,omitempty"`
	Callback        string      `json:"callback,omitempty"`
	Return          string      `json:"return,omitempty"`
	HideShipping    bool        `json:"hide_shipping,omitempty"`
}

// Start creates the hosted payment page. PayTabs keeps no idempotency
// key: a start retried after a lost answer creates another page, which is
// harmless, since the first page's URL never reached anyone who could pay
// it (see doc.go).
func (g *Gateway) Start(ctx context.Context, req paycmd.StartRequest) (paycmd.Started, error) {
	cart := CartID(req.PaymentID)
	if len(cart) > MaxCartID {
		return paycmd.Started{}, domain.Errorf(domain.Invalid, psp.CodeRefused, "payment ID %q is longer than PayTabs' %d-character cart_id", req.PaymentID, MaxCartID)
	}
	amount, err := psp.Decimal(req.Amount)
	if err != nil {
		return paycmd.Started{}, err
	}
	t, err := g.send(ctx, "create a payment page", request{ProfileID: g.cfg.ProfileID, TranType: "sale", TranClass: "ecom", CartID: cart,
		CartCurrency: string(req.Amount.Currency()), CartAmount: json.Number(amount), CartDescription: "souq order " + string(req.OrderID),
		Callback: g.cfg.CallbackURL, Return: g.cfg.ReturnURL, HideShipping: true})
	if err != nil {
		return paycmd.Started{}, err
	}
	if t.TranRef == "" || t.RedirectURL == "" {
		return paycmd.Started{}, psp.Refused("PayTabs", "the payment page came back without tran_ref or redirect_url")
	}
	return paycmd.Started{ProviderRef: t.TranRef, ClientSecret: t.RedirectURL}, nil
}

// Session answers the payment page again while the sale waits for the
// customer; one that has an outcome has nothing left to complete.
func (g *Gateway) Session(ctx context.Context, ref string) (paycmd.Started, error) {
	t, err := g.Query(ctx, ref)
	if err != nil {
		return paycmd.Started{}, err
	}
	if waiting := t.Status() == "" || t.Status() == StatusPending; !waiting || t.RedirectURL == "" {
		return paycmd.Started{}, domain.Errorf(domain.Conflict, psp.CodeRefused, "PayTabs transaction %s is %q: no page left to complete", ref, t.Status())
	}
	return paycmd.Started{ProviderRef: ref, ClientSecret: t.RedirectURL}, nil
}

// Refund refunds part or all of a sale, as a follow-up transaction whose
// cart_id names souq's refund: a refund already made under that key is
// found by its cart and answered, never made twice.
func (g *Gateway) Refund(ctx context.Context, req paycmd.RefundRequest) error {
	return g.followUp(ctx, "refund", req.ProviderRef, req.Key+refundSuffix, req.Amount, "souq refund "+req.Key)
}

// Cancel voids a sale that has not settled. A sale still waiting for the
// customer (or declined, or expired) has nothing to void: the page
// expires at PayTabs.
func (g *Gateway) Cancel(ctx context.Context, req paycmd.CancelRequest) error {
	t, err := g.Query(ctx, req.ProviderRef)
	if err != nil {
		return err
	}
	if s := t.Status(); s != StatusAuthorised && s != StatusHold {
		return nil
	}
	m, err := t.Amount()
	if err != nil {
		return psp.Refused("PayTabs", "transaction %s: %v", req.ProviderRef, err)
	}
	return g.followUp(ctx, "void", req.ProviderRef, req.Key+voidSuffix, m, "souq cancellation")
}

// followUp runs a refund or void keyed by its cart: first looked up (a
// retry of one that went through), then sent, then, when the answer was
// lost, looked up again.
func (g *Gateway) followUp(ctx context.Context, typ, ref, cart string, m domain.Money, description string) error {
	if len(cart) > MaxCartID {
		return domain.Errorf(domain.Invalid, psp.CodeRefused, "key %q is too long for PayTabs' %d-character cart_id", cart, MaxCartID)
	}
	amount, err := psp.Decimal(m)
	if err != nil {
		return err
	}
	if t, found, err := g.find(ctx, cart); err != nil {
		return err
	} else if found {
		if err := sameFollowUp(t, typ, ref, m); err != nil {
			return err
		}
		return outcome(typ, t)
	}
	t, err := g.send(ctx, typ, request{ProfileID: g.cfg.ProfileID, TranType: typ, TranClass: "ecom", CartID: cart, CartCurrency: string(m.Currency()),
		CartAmount: json.Number(amount), CartDescription: description, TranRef: ref})
	if psp.Retryable(err) {
		again, found, ferr := g.find(ctx, cart)
		if ferr != nil || !found {
			return err
		}
		if err := sameFollowUp(again, typ, ref, m); err != nil {
			return err
		}
		t, err = again, nil
	}
	if err != nil {
		return err
	}
	return outcome(typ, t)
}

// sameFollowUp checks that a transaction found by its cart is the very
// follow-up asked for — of this sale, of this type, for this amount — and
// not another payment's that happens to carry the same key: answering
// that one would record a refund for which no money moved.
func sameFollowUp(t Transaction, typ, ref string, m domain.Money) error {
	got, err := t.Amount()
	if t.PreviousTranRef != ref || t.Type() != typ || err != nil || got != m {
		return domain.Errorf(domain.Conflict, psp.CodeRefused,
			"PayTabs cart %s already names a %s of %s for %s, not this %s of %s for %s", t.CartID, t.Type(), t.PreviousTranRef, t.CartAmount, typ, ref, m)
	}
	return nil
}

// outcome reads a follow-up's result: authorised (or pending, for a
// refund PayTabs queued) is done.
func outcome(typ string, t Transaction) error {
	switch t.Status() {
	case StatusAuthorised, StatusPending:
		return nil
	case StatusDeclined:
		return psp.Declined("PayTabs", t.Result.Code, t.Result.Message)
	}
	return psp.Refused("PayTabs", "%s %s is %q: %s", typ, t.TranRef, t.Status(), t.Result.Message)
}

// Query fetches a transaction by its tran_ref: PayTabs' record of what
// happened.
func (g *Gateway) Query(ctx context.Context, ref string) (Transaction, error) {
	t, found, err := g.query(ctx, map[string]any{"profile_id": g.cfg.ProfileID, "tran_ref": ref})
	if err == nil && !found {
		err = domain.Errorf(domain.NotFound, psp.CodeRefused, "PayTabs has no transaction %s", ref)
	}
	return t, err
}

// find looks a transaction up by its cart_id.
func (g *Gateway) find(ctx context.Context, cart string) (Transaction, bool, error) {
	return g.query(ctx, map[string]any{"profile_id": g.cfg.ProfileID, "cart_id": cart})
}

func (g *Gateway) query(ctx context.Context, body map[string]any) (Transaction, bool, error) {
	b, _ := json.Marshal(body)
	status, answer, err := psp.Post(ctx, g.cfg.HTTPClient, "PayTabs", g.cfg.URL+"/payment/query", "application/json", b, g.auth())
	if err != nil {
		return Transaction{}, false, err
	}
	if status != http.StatusOK {
		if e := readError(answer); status == http.StatusNotFound || strings.Contains(strings.ToLower(e.Message), "not found") {
			return Transaction{}, false, nil
		}
		return Transaction{}, false, refusal(status, answer)
	}
	t, err := ReadTransaction(answer)
	if err != nil {
		return Transaction{}, false, psp.Refused("PayTabs", "an unreadable query answer: %v", err)
	}
	return t, true, nil
}

func (g *Gateway) auth() http.Header { return http.Header{"Authorization": {g.cfg.ServerKey}} }

func (g *Gateway) send(ctx context.Context, op string, r request) (Transaction, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return Transaction{}, err
	}
	status, answer, err := psp.Post(ctx, g.cfg.HTTPClient, "PayTabs", g.cfg.URL+"/payment/request", "application/json", b, g.auth())
	if err != nil {
		return Transaction{}, fmt.Errorf("%s: %w", op, err)
	}
	if status != http.StatusOK {
		return Transaction{}, fmt.Errorf("%s: %w", op, refusal(status, answer))
	}
	t, err := ReadTransaction(answer)
	if err != nil {
		return Transaction{}, fmt.Errorf("%s: %w", op, psp.Refused("PayTabs", "an unreadable answer: %v", err))
	}
	return t, nil
}

// apiError is PayTabs' error body: {"code": 2, "message": "…", "trace": "…"}.
type apiError struct {
	Code    json.Number `json:"code"`
	Message string      `json:"message"`
	Trace   string      `json:"trace"`
}

func readError(answer []byte) apiError {
	var e apiError
	d := json.NewDecoder(bytes.NewReader(answer))
	d.UseNumber()
	_ = d.Decode(&e)
	return e
}

func refusal(status int, answer []byte) error {
	e := readError(answer)
	return psp.Refused("PayTabs", "HTTP %s, code %s: %s", strconv.Itoa(status), e.Code, psp.Truncate(e.Message, 300))
}
