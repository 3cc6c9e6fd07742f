package telr

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/internal/psp"
)

// Provider is the name recorded on payments made through Telr.
const Provider = "telr"

// DefaultURL is Telr's gateway.
const DefaultURL = "https://secure.telr.com"

// Limits Telr documents: a cart ID of up to 63 characters; MaxAttempts is
// how many cart IDs souq tries for one payment (see Start).
const (
	MaxCartID   = 63
	MaxAttempts = 5
)

// Config is how the gateway reaches Telr.
type Config struct {
	StoreID string // numeric
	AuthKey string // the hosted payment page's authentication key
	// RemoteKey authenticates refunds and voids (remote.xml); Telr issues
	// it when remote processing is enabled. Empty: AuthKey.
	RemoteKey string
	URL       string // empty: DefaultURL
	Test      bool   // Telr's test mode: no money moves
	// ReturnURL is where the hosted page sends the customer back; souq adds
	// "result=authorised|declined|cancelled".
	ReturnURL  string
	HTTPClient *http.Client
}

// Gateway is the Telr card gateway: a hosted payment page order per
// payment (order.json, method create, a sale), its status read back with
// method check, refunds and voids through the remote API (remote.xml).
type Gateway struct {
	cfg Config
}

var _ paycmd.Gateway = (*Gateway)(nil)

// New returns a gateway; the store ID and the auth key are required.
func New(cfg Config) (*Gateway, error) {
	if _, err := strconv.ParseUint(cfg.StoreID, 10, 64); err != nil || cfg.AuthKey == "" {
		return nil, errors.New("telr: a numeric store ID and an auth key are required")
	}
	if cfg.RemoteKey == "" {
		cfg.RemoteKey = cfg.AuthKey
	}
	cfg.URL, cfg.HTTPClient = psp.Endpoint(cfg.URL, DefaultURL, cfg.HTTPClient)
	return &Gateway{cfg: cfg}, nil
}

// Provider names Telr on payments.
func (g *Gateway) Provider() string { return Provider }

// CartID is the cart ID of a payment's nth order: the payment ID, then
// "<payment ID>~n", so every order names its payment and a repeat is
// refused by Telr rather than charged.
func CartID(id domain.PaymentID, attempt int) string {
	if attempt <= 1 {
		return string(id)
	}
	return string(id) + "~" + strconv.Itoa(attempt)
}

// PaymentOf reads the payment back from an order's cart ID.
func PaymentOf(cart string) (domain.PaymentID, bool) {
	id, n, attempt := strings.Cut(cart, "~")
	if attempt {
		if k, err := strconv.Atoi(n); err != nil || k < 2 || k > MaxAttempts || strconv.Itoa(k) != n {
			return "", false
		}
	}
	return domain.PaymentID(id), domain.ValidID(id)
}

// Codes of Telr's refusals souq acts on.
const (
	errDuplicate = "E56" // "Duplicate transaction": the cart ID was used
)

type orderRequest struct {
	Method  string      `json:"method"`
	Store   json.Number `json:"store"`
	AuthKey string      `json:"authkey"`
	Framed  *int        `json:"framed,omitempty"`
	Order   orderFields `json:"order"`
	Return  *returns    `json:"return,omitempty"`
}

type orderFields struct {
	Ref         string `json:"ref,omitempty"`
	CartID      string `json:"cartid,omitempty"`
	Test        string `json:"test,omitempty"`
	Amount      string `json:"amount,omitempty"`
	Currency    string `json:"currency,omitempty"`
	Description string `json:"description,omitempty"`
}

type returns struct {
	Authorised string `json:"authorised"`
	Declined   string `json:"declined"`
	Cancelled  string `json:"cancelled"`
}

// Start creates the hosted payment page order. Telr keeps no idempotency
// key but refuses a repeated cart ID (E56); a refusal of the payment's cart
// means an earlier start reached Telr and its answer was lost, so nobody
// holds that order's URL and it can never be paid: the gateway creates the
// order under the payment's next cart ID instead (see doc.go).
func (g *Gateway) Start(ctx context.Context, req paycmd.StartRequest) (paycmd.Started, error) {
	if len(CartID(req.PaymentID, MaxAttempts)) > MaxCartID || !domain.ValidID(string(req.PaymentID)) {
		return paycmd.Started{}, domain.Errorf(domain.Invalid, psp.CodeRefused, "payment ID %q does not fit Telr's %d-character cart ID", req.PaymentID, MaxCartID)
	}
	amount, err := psp.Decimal(req.Amount)
	if err != nil {
		return paycmd.Started{}, err
	}
	framed := 0
	for attempt := 1; attempt <= MaxAttempts; attempt++ {
		o, err := g.order(ctx, orderRequest{Method: "create", Framed: &framed, Order: orderFields{CartID: CartID(req.PaymentID, attempt), Test: g.test(),
			Amount: amount, Currency: string(req.Amount.Currency()), Description: "souq order " + string(req.OrderID)},
			Return: &returns{Authorised: g.returnURL("authorised"), Declined: g.returnURL("declined"), Cancelled: g.returnURL("cancelled")}})
		var te *telrError
		if errors.As(err, &te) && te.code == errDuplicate {
			continue
		}
		if err != nil {
			return paycmd.Started{}, err
		}
		if o.Ref == "" || o.URL == "" {
			return paycmd.Started{}, psp.Refused("Telr", "the order came back without ref or url")
		}
		return paycmd.Started{ProviderRef: o.Ref, ClientSecret: o.URL}, nil
	}
	return paycmd.Started{}, psp.Refused("Telr", "all %d cart IDs of payment %s are used", MaxAttempts, req.PaymentID)
}

func (g *Gateway) test() string {
	if g.cfg.Test {
		return "1"
	}
	return "0"
}

func (g *Gateway) returnURL(result string) string {
	u, err := url.Parse(g.cfg.ReturnURL)
	if err != nil || g.cfg.ReturnURL == "" {
		return g.cfg.ReturnURL
	}
	q := u.Query()
	q.Set("result", result)
	u.RawQuery = q.Encode()
	return u.String()
}

// Order statuses (order.status.code).
const (
	StatusPending    = 1
	StatusAuthorised = 2
	StatusPaid       = 3
	StatusExpired    = -1
	StatusCancelled  = -2
	StatusDeclined   = -3
)

// Order is Telr's record of a hosted page order, as method check answers.
type Order struct {
	Ref         string      `json:"ref"`
	URL         string      `json:"url"`
	CartID      string      `json:"cartid"`
	Test        json.Number `json:"test"`
	Amount      string      `json:"amount"`
	Currency    string      `json:"currency"`
	Description string      `json:"description"`
	Status      struct {
		Code int    `json:"code"`
		Text string `json:"text"`
	} `json:"status"`
	Transaction struct {
		Ref     string `json:"ref"`
		Type    string `json:"type"`
		Class   string `json:"class"`
		Status  string `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"transaction"`
}

// Money is the order's amount.
func (o Order) Money() (domain.Money, error) { return psp.Amount(o.Amount, o.Currency) }

// Check reads an order back by its reference: Telr's record of what
// happened, and the only way souq trusts a transaction advice.
func (g *Gateway) Check(ctx context.Context, ref string) (Order, error) {
	return g.order(ctx, orderRequest{Method: "check", Order: orderFields{Ref: ref}})
}

// Session answers the payment page again while the order waits for the
// customer.
func (g *Gateway) Session(ctx context.Context, ref string) (paycmd.Started, error) {
	o, err := g.Check(ctx, ref)
	if err != nil {
		return paycmd.Started{}, err
	}
	if o.Status.Code != StatusPending || o.URL == "" {
		return paycmd.Started{}, domain.Errorf(domain.Conflict, psp.CodeRefused, "Telr order %s is %s: no page left to complete", ref, o.Status.Text)
	}
	return paycmd.Started{ProviderRef: ref, ClientSecret: o.URL}, nil
}

type telrError struct{ code, message, note string }

func (e *telrError) Error() string { return fmt.Sprintf("telr: %s %s (%s)", e.code, e.message, e.note) }

func (g *Gateway) order(ctx context.Context, r orderRequest) (Order, error) {
	r.Store, r.AuthKey = json.Number(g.cfg.StoreID), g.cfg.AuthKey
	b, err := json.Marshal(r)
	if err != nil {
		return Order{}, err
	}
	status, answer, err := psp.Post(ctx, g.cfg.HTTPClient, "Telr", g.cfg.URL+"/gateway/order.json", "application/json", b, nil)
	if err != nil {
		return Order{}, fmt.Errorf("%s: %w", r.Method, err)
	}
	var out struct {
		Order *Order `json:"order"`
		Error *struct {
			Message string `json:"message"`
			Note    string `json:"note"`
		} `json:"error"`
	}
	if err := json.Unmarshal(answer, &out); err != nil || status != http.StatusOK || (out.Order == nil && out.Error == nil) {
		return Order{}, psp.Refused("Telr", "%s: HTTP %d, an answer souq cannot read: %.200q", r.Method, status, answer)
	}
	if e := out.Error; e != nil {
		code, msg, _ := strings.Cut(e.Message, ":")
		te := &telrError{code: code, message: msg, note: e.Note}
		return Order{}, fmt.Errorf("%w: %w", psp.Refused("Telr", "%s: %s", r.Method, psp.Truncate(e.Message+" "+e.Note, 300)), te)
	}
	return *out.Order, nil
}

// Refund refunds part or all of a paid order through the remote API, on
// the order's sale transaction, with a cart ID naming souq's refund.
func (g *Gateway) Refund(ctx context.Context, req paycmd.RefundRequest) error {
	o, err := g.Check(ctx, req.ProviderRef)
	if err != nil {
		return err
	}
	if o.Status.Code != StatusPaid || o.Transaction.Ref == "" {
		return psp.Refused("Telr", "order %s is %s: nothing captured to refund", req.ProviderRef, o.Status.Text)
	}
	return g.remote(ctx, "refund", o.Transaction.Ref, req.Key+"~refund", req.Amount)
}

// Cancel voids the order's transaction. An order still waiting for the
// customer, declined, cancelled or expired has nothing to void.
func (g *Gateway) Cancel(ctx context.Context, req paycmd.CancelRequest) error {
	o, err := g.Check(ctx, req.ProviderRef)
	if err != nil {
		return err
	}
	if (o.Status.Code != StatusAuthorised && o.Status.Code != StatusPaid) || o.Transaction.Ref == "" {
		return nil
	}
	m, err := o.Money()
	if err != nil {
		return psp.Refused("Telr", "order %s: %v", req.ProviderRef, err)
	}
	return g.remote(ctx, "void", o.Transaction.Ref, req.Key+"~void", m)
}

type remoteRequest struct {
	XMLName xml.Name `xml:"remote"`
	Store   string   `xml:"store"`
	Key     string   `xml:"key"`
	Tran    struct {
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

// RemoteAuth is the remote API's answer.
type RemoteAuth struct {
	Status  string `xml:"auth>status"`
	Code    string `xml:"auth>code"`
	Message string `xml:"auth>message"`
	TranRef string `xml:"auth>tranref"`
	CartID  string `xml:"auth>cartid"`
}

// remote sends a follow-up transaction. Telr offers no lookup of a
// follow-up by its cart ID, so one whose answer was lost is reported as
// retryable; its retry, refused as a repeated cart ID, is reported as a
// refusal to settle by hand (see doc.go), never sent as a second refund.
func (g *Gateway) remote(ctx context.Context, typ, tranRef, cart string, m domain.Money) error {
	amount, err := psp.Decimal(m)
	if err != nil {
		return err
	}
	if len(cart) > MaxCartID {
		return domain.Errorf(domain.Invalid, psp.CodeRefused, "key %q does not fit Telr's %d-character cart ID", cart, MaxCartID)
	}
	var r remoteRequest
	r.Store, r.Key = g.cfg.StoreID, g.cfg.RemoteKey
	r.Tran.Type, r.Tran.Class, r.Tran.CartID, r.Tran.Description = typ, "ecom", cart, "souq "+typ
	r.Tran.Test, r.Tran.Currency, r.Tran.Amount, r.Tran.Ref = g.test(), string(m.Currency()), amount, tranRef
	b, err := xml.Marshal(r)
	if err != nil {
		return err
	}
	status, answer, err := psp.Post(ctx, g.cfg.HTTPClient, "Telr", g.cfg.URL+"/gateway/remote.xml", "application/xml", append([]byte(xml.Header), b...), nil)
	if err != nil {
		return fmt.Errorf("%s: %w", typ, err)
	}
	var a RemoteAuth
	if err := xml.NewDecoder(bytes.NewReader(answer)).Decode(&a); err != nil || status != http.StatusOK || a.Status == "" {
		return psp.Refused("Telr", "%s: HTTP %d, an answer souq cannot read: %.200q", typ, status, answer)
	}
	switch {
	case a.Status == "A":
		return nil
	case a.Status == "D":
		return psp.Declined("Telr", a.Code, a.Message)
	case a.Code == strings.TrimPrefix(errDuplicate, "E"):
		return psp.Refused("Telr", "a %s under key %s already reached Telr (cart %s); its outcome is in Telr's Merchant Administration", typ, cart, cart)
	}
	return psp.Refused("Telr", "%s: %s %s %s", typ, a.Status, a.Code, psp.Truncate(a.Message, 300))
}
