package stripe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	stripego "github.com/stripe/stripe-go/v82"

	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/domain"
)

// Provider is the name recorded on payments made through Stripe.
const Provider = "stripe"

// Codes of the outcomes the adapter decides.
const (
	CodeDeclined    = "payment.declined"
	CodeUnavailable = "payment.provider_unavailable"
	CodeRefused     = "payment.provider_refused"
)

// Metadata keys souq puts on PaymentIntents and Refunds; Stripe copies a
// PaymentIntent's metadata onto the charge it creates.
const (
	MetaPaymentID  = "souq_payment_id"
	MetaOrderID    = "souq_order_id"
	MetaCustomerID = "souq_customer_id"
	MetaRefundID   = "souq_refund_id"
	MetaReason     = "souq_reason"
)

// Config is how the gateway reaches Stripe.
type Config struct {
	SecretKey string
	// URL is the API's base; empty means Stripe's own. Tests point it at
	// stripe-mock or a local stub.
	URL        string
	HTTPClient *http.Client
	// Retries are stripe-go's own retries of network failures, 409s, 429s
	// and 5xx, with the same idempotency key; nil means stripe-go's
	// default (2).
	Retries *int64
	// AutomaticCapture has Stripe capture as soon as the card is
	// authorized (payment_intent.succeeded follows). Checkout confirms an
	// order on its capture and nothing captures later yet, so cmd/souq
	// sets it; the default, manual capture, leaves capturing to Capture.
	AutomaticCapture bool
}

// Gateway is the Stripe card gateway. It creates PaymentIntents with
// manual capture by default: the card is authorized at checkout and
// captured by Capture (all or part); with Config.AutomaticCapture, Stripe
// captures on authorization.
type Gateway struct {
	sc      *stripego.Client
	capture stripego.PaymentIntentCaptureMethod
}

var _ paycmd.Gateway = (*Gateway)(nil)

// New returns a gateway; the secret key is required.
func New(cfg Config) (*Gateway, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("stripe: no secret key")
	}
	bc := &stripego.BackendConfig{
		HTTPClient:        cfg.HTTPClient,
		MaxNetworkRetries: cfg.Retries,
		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull},
	}
	if bc.HTTPClient == nil {
		bc.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.URL != "" {
		bc.URL = stripego.String(cfg.URL)
	}
	capture := stripego.PaymentIntentCaptureMethodManual
	if cfg.AutomaticCapture {
		capture = stripego.PaymentIntentCaptureMethodAutomatic
	}
	return &Gateway{sc: stripego.NewClient(cfg.SecretKey, stripego.WithBackends(stripego.NewBackendsWithConfig(bc))), capture: capture}, nil
}

// Provider names Stripe on payments.
func (g *Gateway) Provider() string { return Provider }

// Intent is what souq reads of a PaymentIntent.
type Intent struct {
	ID               string
	Status           string // requires_payment_method, requires_confirmation, requires_action, processing, requires_capture, canceled, succeeded
	Amount           domain.Money
	AmountMinor      int64
	AmountCapturable int64
	AmountReceived   int64
	ClientSecret     string
	LatestCharge     string
	PaymentID        domain.PaymentID // from the metadata souq set
	// Decline is the last payment error, when the last attempt failed.
	Decline *Declined
}

// Declined is Stripe's account of a refused card.
type Declined struct {
	Code, DeclineCode, Message string
}

func (d *Declined) Error() string {
	return fmt.Sprintf("stripe: card declined: %s %s: %s", d.Code, d.DeclineCode, d.Message)
}

func intent(pi *stripego.PaymentIntent) (Intent, error) {
	// A currency souq does not sell in leaves Amount zero; the minor
	// units stay readable.
	m, _ := money(pi.Amount, string(pi.Currency))
	in := Intent{ID: pi.ID, Status: string(pi.Status), Amount: m, AmountMinor: pi.Amount, AmountCapturable: pi.AmountCapturable,
		AmountReceived: pi.AmountReceived, ClientSecret: pi.ClientSecret, PaymentID: domain.PaymentID(pi.Metadata[MetaPaymentID])}
	if pi.LatestCharge != nil {
		in.LatestCharge = pi.LatestCharge.ID
	}
	if e := pi.LastPaymentError; e != nil {
		in.Decline = &Declined{Code: string(e.Code), DeclineCode: string(e.DeclineCode), Message: e.Msg}
	}
	return in, nil
}

// Start creates the PaymentIntent, keyed by the payment: a retried start
// gets the same PaymentIntent back from Stripe's idempotency layer.
func (g *Gateway) Start(ctx context.Context, req paycmd.StartRequest) (paycmd.Started, error) {
	amount, currency, err := minor(req.Amount)
	if err != nil {
		return paycmd.Started{}, err
	}
	p := &stripego.PaymentIntentCreateParams{
		Amount: stripego.Int64(amount), Currency: stripego.String(currency),
		CaptureMethod:      stripego.String(string(g.capture)),
		PaymentMethodTypes: []*string{stripego.String("card")},
		Metadata:           map[string]string{MetaPaymentID: string(req.PaymentID), MetaOrderID: string(req.OrderID), MetaCustomerID: string(req.CustomerID)},
	}
	p.SetIdempotencyKey("souq-pi-create:" + req.Key)
	pi, err := g.sc.V1PaymentIntents.Create(ctx, p)
	if err != nil {
		return paycmd.Started{}, classify("create a PaymentIntent", err)
	}
	return paycmd.Started{ProviderRef: pi.ID, ClientSecret: pi.ClientSecret}, nil
}

// ConfirmRequest confirms a PaymentIntent server-side with a payment
// method (for clients that do not confirm with Stripe.js themselves).
type ConfirmRequest struct {
	Key           string // idempotency key: the command's ID
	ProviderRef   string
	PaymentMethod string
	ReturnURL     string // where 3-D Secure sends the customer back
}

// Confirm confirms the PaymentIntent. A decline is returned as the intent
// (with Decline set) and a payment.declined domain error; requires_action
// is an answer, not an error: the client completes it.
func (g *Gateway) Confirm(ctx context.Context, req ConfirmRequest) (Intent, error) {
	p := &stripego.PaymentIntentConfirmParams{PaymentMethod: stripego.String(req.PaymentMethod)}
	if req.ReturnURL != "" {
		p.ReturnURL = stripego.String(req.ReturnURL)
	}
	p.SetIdempotencyKey("souq-pi-confirm:" + req.Key)
	pi, err := g.sc.V1PaymentIntents.Confirm(ctx, req.ProviderRef, p)
	if err != nil {
		var se *stripego.Error
		if errors.As(err, &se) && se.Type == stripego.ErrorTypeCard && se.PaymentIntent != nil {
			in, ierr := intent(se.PaymentIntent)
			if ierr == nil {
				return in, classify("confirm", err)
			}
		}
		return g.reconcile(ctx, "confirm", req.ProviderRef, err, func(in Intent) bool {
			return in.Status == "requires_capture" || in.Status == "succeeded" || in.Status == "requires_action" || in.Status == "processing"
		})
	}
	return intent(pi)
}

// CaptureRequest takes Amount of an authorized PaymentIntent: all of it,
// or part (Stripe then releases the rest).
type CaptureRequest struct {
	Key         string // idempotency key
	ProviderRef string
	Amount      domain.Money
}

// Capture captures, reconciling a lost answer against the PaymentIntent.
func (g *Gateway) Capture(ctx context.Context, req CaptureRequest) (Intent, error) {
	amount, _, err := minor(req.Amount)
	if err != nil {
		return Intent{}, err
	}
	p := &stripego.PaymentIntentCaptureParams{AmountToCapture: stripego.Int64(amount)}
	p.SetIdempotencyKey("souq-pi-capture:" + req.Key)
	pi, err := g.sc.V1PaymentIntents.Capture(ctx, req.ProviderRef, p)
	if err != nil {
		return g.reconcile(ctx, "capture", req.ProviderRef, err, func(in Intent) bool {
			return in.Status == "succeeded" && in.AmountReceived == amount
		})
	}
	return intent(pi)
}

// Cancel voids a PaymentIntent that captured nothing; one already
// cancelled is a success.
func (g *Gateway) Cancel(ctx context.Context, req paycmd.CancelRequest) error {
	p := &stripego.PaymentIntentCancelParams{}
	p.SetIdempotencyKey("souq-pi-cancel:" + req.Key)
	if _, err := g.sc.V1PaymentIntents.Cancel(ctx, req.ProviderRef, p); err != nil {
		_, err = g.reconcile(ctx, "cancel", req.ProviderRef, err, func(in Intent) bool { return in.Status == "canceled" })
		return err
	}
	return nil
}

// Refund returns captured money, keyed by souq's refund ID (also put in
// the refund's metadata, so the charge.refunded webhook names it).
func (g *Gateway) Refund(ctx context.Context, req paycmd.RefundRequest) error {
	amount, _, err := minor(req.Amount)
	if err != nil {
		return err
	}
	p := &stripego.RefundCreateParams{PaymentIntent: stripego.String(req.ProviderRef), Amount: stripego.Int64(amount),
		Metadata: map[string]string{MetaRefundID: req.Key}}
	if req.Reason != "" {
		p.Metadata[MetaReason] = truncate(req.Reason, 500)
	}
	p.SetIdempotencyKey("souq-refund:" + req.Key)
	r, err := g.sc.V1Refunds.Create(ctx, p)
	if err != nil {
		return classify("refund", err)
	}
	if r.Status == stripego.RefundStatusFailed || r.Status == stripego.RefundStatusCanceled {
		return domain.Errorf(domain.Conflict, CodeRefused, "Stripe refund %s is %s: %s", r.ID, r.Status, r.FailureReason)
	}
	return nil
}

// Session fetches the PaymentIntent's client secret, which Stripe.js needs
// to confirm the payment or complete an action (3-D Secure) in the browser.
func (g *Gateway) Session(ctx context.Context, providerRef string) (paycmd.Started, error) {
	in, err := g.Intent(ctx, providerRef)
	if err != nil {
		return paycmd.Started{}, err
	}
	return paycmd.Started{ProviderRef: in.ID, ClientSecret: in.ClientSecret}, nil
}

// Intent fetches a PaymentIntent: Stripe's record of what happened.
func (g *Gateway) Intent(ctx context.Context, id string) (Intent, error) {
	pi, err := g.sc.V1PaymentIntents.Retrieve(ctx, id, nil)
	if err != nil {
		return Intent{}, classify("fetch a PaymentIntent", err)
	}
	return intent(pi)
}

// reconcile settles an outcome that a failure left unknown: when the call
// may have reached Stripe (retryable), the PaymentIntent says whether it
// took effect (done); if it did, that is the answer; if not, the original
// failure stands and the caller may retry with the same key. Refusals that
// say Stripe did nothing are reconciled too: a cancel refused because the
// intent is already cancelled is a success.
func (g *Gateway) reconcile(ctx context.Context, op, id string, cause error, done func(Intent) bool) (Intent, error) {
	err := classify(op, cause)
	if domain.CodeOf(err) == CodeDeclined {
		return Intent{}, err
	}
	in, ferr := g.Intent(ctx, id)
	if ferr != nil {
		return Intent{}, errors.Join(err, ferr)
	}
	if done(in) {
		return in, nil
	}
	return in, err
}

// classify turns a stripe-go failure into souq's outcomes.
func classify(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stripe: %s: %w: %w", op, domain.Errorf(domain.Unavailable, CodeUnavailable, "Stripe did not answer in time; retry"), err)
	}
	var se *stripego.Error
	if !errors.As(err, &se) {
		// No answer from Stripe: a network failure, retryable.
		return fmt.Errorf("stripe: %s: %w: %w", op, domain.Errorf(domain.Unavailable, CodeUnavailable, "Stripe could not be reached; retry"), err)
	}
	switch {
	case se.Type == stripego.ErrorTypeCard:
		d := &Declined{Code: string(se.Code), DeclineCode: string(se.DeclineCode), Message: se.Msg}
		return fmt.Errorf("stripe: %s: %w: %w", op, domain.Errorf(domain.Invalid, CodeDeclined, "the card was declined: %s", se.Msg), d)
	case se.HTTPStatusCode == http.StatusTooManyRequests, se.HTTPStatusCode >= 500, se.HTTPStatusCode == http.StatusConflict,
		se.Type == stripego.ErrorTypeAPI:
		return fmt.Errorf("stripe: %s: %w: %w", op, domain.Errorf(domain.Unavailable, CodeUnavailable, "Stripe is busy or failing; retry"), err)
	case se.HTTPStatusCode == http.StatusNotFound:
		return fmt.Errorf("stripe: %s: %w: %w", op, domain.Errorf(domain.NotFound, CodeRefused, "Stripe has no such object: %s", se.Msg), err)
	}
	return fmt.Errorf("stripe: %s: %w: %w", op, domain.Errorf(domain.Conflict, CodeRefused, "Stripe refused: %s", se.Msg), err)
}

// Retryable reports whether err is a failure that the same request, with
// the same idempotency key, may get past.
func Retryable(err error) bool { return domain.KindOf(err) == domain.Unavailable }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}
