package payment

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// Method of payment.
type Method string

const (
	Card   Method = "card"
	Wallet Method = "wallet"
	COD    Method = "cod" // cash on delivery: the carrier collects
)

// Status of the attempt.
type Status string

const (
	StatusNone              Status = ""
	StatusInitiated         Status = "initiated"
	StatusRequiresAction    Status = "requires_action"
	StatusAuthorized        Status = "authorized"
	StatusCaptured          Status = "captured"
	StatusPartiallyRefunded Status = "partially_refunded"
	StatusRefunded          Status = "refunded"
	StatusFailed            Status = "failed"
	StatusCancelled         Status = "cancelled"
	StatusChargedBack       Status = "charged_back"
)

// rank orders the forward progress of a live payment, so a late provider
// event for an earlier step is recognised as stale instead of moving back.
func (s Status) rank() int {
	switch s {
	case StatusInitiated:
		return 1
	case StatusRequiresAction:
		return 2
	case StatusAuthorized:
		return 3
	case StatusCaptured, StatusPartiallyRefunded, StatusRefunded, StatusChargedBack:
		return 4
	}
	return 0
}

func (s Status) ended() bool { return s == StatusFailed || s == StatusCancelled }

// Error codes.
const (
	CodeNotInitiated      = "payment.not_initiated"
	CodeAlreadyInitiated  = "payment.already_initiated"
	CodeAmountMismatch    = "payment.reference_amount_mismatch"
	CodeEnded             = "payment.ended"
	CodeNotAuthorized     = "payment.not_authorized"
	CodeOverCapture       = "payment.capture_exceeds_authorization"
	CodeOverRefund        = "payment.refund_exceeds_capture"
	CodeRefundReused      = "payment.refund_id_reused"
	CodeNotCancellable    = "payment.not_cancellable"
	CodeNothingCaptured   = "payment.nothing_captured"
	CodeOverChargeback    = "payment.chargeback_exceeds_capture"
	CodeCurrencyDifferent = "payment.currency_mismatch"
)

// Payment is one attempt to pay.
type Payment struct {
	root        domain.Root
	id          domain.PaymentID
	orderID     domain.OrderID
	method      Method
	provider    string
	providerRef string
	amount      domain.Money
	authorized  int64
	captured    int64
	refunded    int64
	chargedBack int64
	status      Status
	seen        map[string]bool  // provider event IDs applied
	refunds     map[string]int64 // refund ID → amount
}

// New returns the payment with this ID before any event.
func New(id domain.PaymentID) *Payment {
	return &Payment{id: id, seen: map[string]bool{}, refunds: map[string]int64{}}
}

func (p *Payment) ID() domain.PaymentID       { return p.id }
func (p *Payment) OrderID() domain.OrderID    { return p.orderID }
func (p *Payment) Method() Method             { return p.method }
func (p *Payment) Provider() string           { return p.provider }
func (p *Payment) ProviderRef() string        { return p.providerRef }
func (p *Payment) Status() Status             { return p.status }
func (p *Payment) Amount() domain.Money       { return p.amount }
func (p *Payment) Authorized() domain.Money   { return p.money(p.authorized) }
func (p *Payment) Captured() domain.Money     { return p.money(p.captured) }
func (p *Payment) Refunded() domain.Money     { return p.money(p.refunded) }
func (p *Payment) ChargedBack() domain.Money  { return p.money(p.chargedBack) }
func (p *Payment) Version() uint64            { return p.root.Version() }
func (p *Payment) Changes() []domain.Event    { return p.root.Changes() }
func (p *Payment) money(n int64) domain.Money { m, _ := domain.New(n, p.amount.Currency()); return m }

// Refundable is what may still be refunded: captured − refunded − charged back.
func (p *Payment) Refundable() domain.Money {
	return p.money(p.captured - p.refunded - p.chargedBack)
}

// Initiate starts the attempt. The same reference and amount again is a
// retry; the same reference with another amount is refused.
type Initiate struct {
	OrderID     domain.OrderID
	CustomerID  domain.CustomerID
	Method      Method
	Provider    string
	ProviderRef string
	Amount      domain.Money
}

func (p *Payment) Initiate(cmd Initiate, now time.Time) error {
	var v domain.Validation
	v.ID("order_id", string(cmd.OrderID))
	v.ID("customer_id", string(cmd.CustomerID))
	v.Check(cmd.Method == Card || cmd.Method == Wallet || cmd.Method == COD, "method", domain.ProblemInvalid, "must be card, wallet or cod")
	v.ID("provider", cmd.Provider)
	v.Text("provider_ref", cmd.ProviderRef, 255)
	v.PositiveMoney("amount", cmd.Amount, "")
	if err := v.Err(); err != nil {
		return err
	}
	if p.status != StatusNone {
		switch {
		case p.providerRef != cmd.ProviderRef:
			return domain.Errorf(domain.Conflict, CodeAlreadyInitiated, "payment %s was initiated with reference %s", p.id, p.providerRef)
		case p.amount != cmd.Amount:
			return domain.Errorf(domain.Conflict, CodeAmountMismatch, "reference %s is for %v, not %v", p.providerRef, p.amount, cmd.Amount)
		}
		return nil
	}
	p.raise(Initiated{PaymentID: p.id, OrderID: cmd.OrderID, CustomerID: cmd.CustomerID, Method: cmd.Method, Provider: cmd.Provider, ProviderRef: cmd.ProviderRef, Amount: cmd.Amount, At: now})
	return nil
}

// ProviderEvent identifies a provider notification (a Stripe event, a
// carrier delivery) and the reference it is about.
type ProviderEvent struct {
	EventID     string
	ProviderRef string
}

// admit decides whether a provider event is new for this payment: (false,
// nil) for a duplicate, an error for a wrong reference or an unknown payment.
func (p *Payment) admit(ev ProviderEvent) (bool, error) {
	var v domain.Validation
	v.Text("provider_event_id", ev.EventID, 255)
	v.Text("provider_ref", ev.ProviderRef, 255)
	if err := v.Err(); err != nil {
		return false, err
	}
	if p.status == StatusNone {
		return false, domain.Errorf(domain.NotFound, CodeNotInitiated, "payment %s was not initiated", p.id)
	}
	if ev.ProviderRef != p.providerRef {
		return false, domain.Errorf(domain.Conflict, CodeAlreadyInitiated, "event for reference %s, payment %s has %s", ev.ProviderRef, p.id, p.providerRef)
	}
	return !p.seen[ev.EventID], nil
}

// RequireAction: the provider asks the customer to act.
type RequireAction struct{ Event ProviderEvent }

func (p *Payment) RequireAction(cmd RequireAction, now time.Time) error {
	fresh, err := p.admit(cmd.Event)
	if err != nil || !fresh || p.status.rank() >= StatusRequiresAction.rank() {
		return err // a duplicate, or a late event overtaken by progress
	}
	if p.status.ended() {
		return domain.Errorf(domain.Conflict, CodeEnded, "payment %s is %s", p.id, p.status)
	}
	p.raise(ActionRequired{ProviderEventID: cmd.Event.EventID, At: now})
	return nil
}

// Authorize records the provider's hold on the card, for the full amount:
// a different amount under the same reference is refused.
type Authorize struct {
	Event  ProviderEvent
	Amount domain.Money
}

func (p *Payment) Authorize(cmd Authorize, now time.Time) error {
	fresh, err := p.admit(cmd.Event)
	if err != nil || !fresh {
		return err
	}
	if cmd.Amount != p.amount {
		return domain.Errorf(domain.Conflict, CodeAmountMismatch, "reference %s is for %v, the provider authorized %v", p.providerRef, p.amount, cmd.Amount)
	}
	if p.status.ended() {
		return domain.Errorf(domain.Conflict, CodeEnded, "payment %s is %s", p.id, p.status)
	}
	if p.status.rank() >= StatusAuthorized.rank() {
		return nil // late: already authorized or beyond
	}
	p.raise(Authorized{ProviderEventID: cmd.Event.EventID, Amount: cmd.Amount, At: now})
	return nil
}

// Capture takes money: for a card, up to what is authorized and not yet
// captured; for the wallet and cash on delivery, up to the amount, without
// an authorization (the carrier's delivery event carries what it collected).
type Capture struct {
	Event  ProviderEvent
	Amount domain.Money
}

func (p *Payment) Capture(cmd Capture, now time.Time) error {
	fresh, err := p.admit(cmd.Event)
	if err != nil || !fresh {
		return err
	}
	var v domain.Validation
	if v.PositiveMoney("amount", cmd.Amount, p.amount.Currency()); v.Err() != nil {
		return v.Err()
	}
	if p.status.ended() {
		return domain.Errorf(domain.Conflict, CodeEnded, "payment %s is %s", p.id, p.status)
	}
	limit := p.amount.Amount()
	if p.method == Card {
		if p.authorized == 0 {
			return domain.Errorf(domain.Conflict, CodeNotAuthorized, "card payment %s is not authorized", p.id)
		}
		limit = p.authorized
	}
	if cmd.Amount.Amount() > limit-p.captured {
		return domain.Errorf(domain.Conflict, CodeOverCapture, "capturing %v: %v of %v already captured", cmd.Amount, p.Captured(), p.money(limit))
	}
	p.raise(Captured{ProviderEventID: cmd.Event.EventID, Amount: cmd.Amount, At: now})
	return nil
}

// Fail ends an attempt that took no money.
type Fail struct {
	Event  ProviderEvent // EventID may be empty when souq itself gives up
	Code   string
	Reason string
}

func (p *Payment) Fail(cmd Fail, now time.Time) error {
	var v domain.Validation
	v.ID("code", cmd.Code)
	v.OptionalText("reason", cmd.Reason, 500)
	if err := v.Err(); err != nil {
		return err
	}
	if done, err := p.internal(cmd.Event); done || err != nil {
		return err
	}
	switch {
	case p.status == StatusFailed:
		return nil
	case p.status == StatusCancelled || p.captured > 0:
		return domain.Errorf(domain.Conflict, CodeEnded, "payment %s is %s", p.id, p.status)
	}
	p.raise(Failed{ProviderEventID: cmd.Event.EventID, Code: cmd.Code, Reason: cmd.Reason, At: now})
	return nil
}

// Cancel abandons an attempt or voids its authorization, before capture.
type Cancel struct {
	Event  ProviderEvent // EventID may be empty when souq cancels
	Reason string
}

func (p *Payment) Cancel(cmd Cancel, now time.Time) error {
	var v domain.Validation
	v.OptionalText("reason", cmd.Reason, 500)
	if err := v.Err(); err != nil {
		return err
	}
	if done, err := p.internal(cmd.Event); done || err != nil {
		return err
	}
	switch {
	case p.status == StatusCancelled:
		return nil
	case p.status == StatusFailed || p.captured > 0:
		return domain.Errorf(domain.Conflict, CodeNotCancellable, "payment %s is %s; refund instead", p.id, p.status)
	}
	p.raise(Cancelled{ProviderEventID: cmd.Event.EventID, Reason: cmd.Reason, At: now})
	return nil
}

// internal admits an event that souq may raise itself (no provider event
// ID): done is true for a duplicate provider event.
func (p *Payment) internal(ev ProviderEvent) (done bool, err error) {
	if ev.EventID == "" {
		if p.status == StatusNone {
			return false, domain.Errorf(domain.NotFound, CodeNotInitiated, "payment %s was not initiated", p.id)
		}
		return false, nil
	}
	fresh, err := p.admit(ev)
	return !fresh, err
}

// Refund returns captured money, never more than captured minus what was
// refunded or charged back. RefundID makes a retry harmless.
type Refund struct {
	RefundID string
	Event    ProviderEvent // EventID may be empty when souq asks first
	Amount   domain.Money
	Reason   string
}

func (p *Payment) Refund(cmd Refund, now time.Time) error {
	var v domain.Validation
	v.ID("refund_id", cmd.RefundID)
	v.PositiveMoney("amount", cmd.Amount, p.amount.Currency())
	v.OptionalText("reason", cmd.Reason, 500)
	if err := v.Err(); err != nil {
		return err
	}
	if done, err := p.internal(cmd.Event); done || err != nil {
		return err
	}
	if prev, ok := p.refunds[cmd.RefundID]; ok {
		if prev != cmd.Amount.Amount() {
			return domain.Errorf(domain.Conflict, CodeRefundReused, "refund %s was for %v", cmd.RefundID, p.money(prev))
		}
		return nil
	}
	if p.captured == 0 {
		return domain.Errorf(domain.Conflict, CodeNothingCaptured, "payment %s captured nothing", p.id)
	}
	if cmd.Amount.Amount() > p.Refundable().Amount() {
		return domain.Errorf(domain.Conflict, CodeOverRefund, "refunding %v, only %v refundable", cmd.Amount, p.Refundable())
	}
	p.raise(Refunded{RefundID: cmd.RefundID, ProviderEventID: cmd.Event.EventID, Amount: cmd.Amount, Reason: cmd.Reason, At: now})
	return nil
}

// Chargeback records a dispute lost: the bank took money back.
type Chargeback struct {
	Event  ProviderEvent
	Amount domain.Money
	Reason string
}

func (p *Payment) Chargeback(cmd Chargeback, now time.Time) error {
	fresh, err := p.admit(cmd.Event)
	if err != nil || !fresh {
		return err
	}
	var v domain.Validation
	v.PositiveMoney("amount", cmd.Amount, p.amount.Currency())
	v.OptionalText("reason", cmd.Reason, 500)
	if err := v.Err(); err != nil {
		return err
	}
	if cmd.Amount.Amount() > p.Refundable().Amount() {
		return domain.Errorf(domain.Conflict, CodeOverChargeback, "charging back %v, only %v captured and not refunded", cmd.Amount, p.Refundable())
	}
	p.raise(ChargedBack{ProviderEventID: cmd.Event.EventID, Amount: cmd.Amount, Reason: cmd.Reason, At: now})
	return nil
}

// Apply replays a stored event. It never fails.
func (p *Payment) Apply(e domain.Event) {
	p.apply(e)
	p.root.Loaded()
}

func (p *Payment) raise(e domain.Event) {
	p.apply(e)
	p.root.Record(e)
}

func (p *Payment) see(id string) {
	if id != "" {
		p.seen[id] = true
	}
}

func (p *Payment) apply(e domain.Event) {
	switch e := e.(type) {
	case Initiated:
		p.orderID, p.method, p.provider, p.providerRef, p.amount = e.OrderID, e.Method, e.Provider, e.ProviderRef, e.Amount
		p.status = StatusInitiated
	case ActionRequired:
		p.see(e.ProviderEventID)
		p.status = StatusRequiresAction
	case Authorized:
		p.see(e.ProviderEventID)
		p.authorized = e.Amount.Amount()
		p.status = StatusAuthorized
	case Captured:
		p.see(e.ProviderEventID)
		p.captured += e.Amount.Amount()
		if p.status.rank() < StatusCaptured.rank() {
			p.status = StatusCaptured
		}
	case Failed:
		p.see(e.ProviderEventID)
		p.status = StatusFailed
	case Cancelled:
		p.see(e.ProviderEventID)
		p.status = StatusCancelled
	case Refunded:
		p.see(e.ProviderEventID)
		p.refunds[e.RefundID] = e.Amount.Amount()
		p.refunded += e.Amount.Amount()
		p.status = StatusPartiallyRefunded
		if p.refunded >= p.captured {
			p.status = StatusRefunded
		}
	case ChargedBack:
		p.see(e.ProviderEventID)
		p.chargedBack += e.Amount.Amount()
		p.status = StatusChargedBack
	}
}
