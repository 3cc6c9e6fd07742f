package payment

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// Wire names of payment events; stable for ever.
const (
	TypeInitiated      = "payment.initiated"
	TypeActionRequired = "payment.action_required"
	TypeAuthorized     = "payment.authorized"
	TypeCaptured       = "payment.captured"
	TypeFailed         = "payment.failed"
	TypeCancelled      = "payment.cancelled"
	TypeRefunded       = "payment.refunded"
	TypeChargedBack    = "payment.charged_back"
)

// SchemaVersion is the current schema of every event here.
const SchemaVersion = 1

// Initiated: an attempt to pay an amount for an order.
type Initiated struct {
	PaymentID   domain.PaymentID  `json:"payment_id"`
	OrderID     domain.OrderID    `json:"order_id"`
	CustomerID  domain.CustomerID `json:"customer_id"`
	Method      Method            `json:"method"`
	Provider    string            `json:"provider"`
	ProviderRef string            `json:"provider_ref"`
	Amount      domain.Money      `json:"amount"`
	At          time.Time         `json:"at"`
}

// ActionRequired: the customer must act (3-D Secure and the like).
type ActionRequired struct {
	ProviderEventID string    `json:"provider_event_id"`
	At              time.Time `json:"at"`
}

// Authorized: the provider holds the amount on the card.
type Authorized struct {
	ProviderEventID string       `json:"provider_event_id"`
	Amount          domain.Money `json:"amount"`
	At              time.Time    `json:"at"`
}

// Captured: money was taken (all or part of the authorization); for cash on
// delivery, the carrier collected it.
type Captured struct {
	ProviderEventID string       `json:"provider_event_id"`
	Amount          domain.Money `json:"amount"`
	At              time.Time    `json:"at"`
}

// Failed: the attempt failed; nothing was taken.
type Failed struct {
	ProviderEventID string    `json:"provider_event_id,omitempty"`
	Code            string    `json:"code"`
	Reason          string    `json:"reason,omitempty"`
	At              time.Time `json:"at"`
}

// Cancelled: the attempt was abandoned or the authorization voided.
type Cancelled struct {
	ProviderEventID string    `json:"provider_event_id,omitempty"`
	Reason          string    `json:"reason,omitempty"`
	At              time.Time `json:"at"`
}

// Refunded: part or all of the captured money went back.
type Refunded struct {
	RefundID        string       `json:"refund_id"`
	ProviderEventID string       `json:"provider_event_id,omitempty"`
	Amount          domain.Money `json:"amount"`
	Reason          string       `json:"reason,omitempty"`
	At              time.Time    `json:"at"`
}

// ChargedBack: the card holder's bank took captured money back.
type ChargedBack struct {
	ProviderEventID string       `json:"provider_event_id"`
	Amount          domain.Money `json:"amount"`
	Reason          string       `json:"reason,omitempty"`
	At              time.Time    `json:"at"`
}

func (Initiated) EventType() string      { return TypeInitiated }
func (ActionRequired) EventType() string { return TypeActionRequired }
func (Authorized) EventType() string     { return TypeAuthorized }
func (Captured) EventType() string       { return TypeCaptured }
func (Failed) EventType() string         { return TypeFailed }
func (Cancelled) EventType() string      { return TypeCancelled }
func (Refunded) EventType() string       { return TypeRefunded }
func (ChargedBack) EventType() string    { return TypeChargedBack }

func (Initiated) SchemaVersion() int      { return SchemaVersion }
func (ActionRequired) SchemaVersion() int { return SchemaVersion }
func (Authorized) SchemaVersion() int     { return SchemaVersion }
func (Captured) SchemaVersion() int       { return SchemaVersion }
func (Failed) SchemaVersion() int         { return SchemaVersion }
func (Cancelled) SchemaVersion() int      { return SchemaVersion }
func (Refunded) SchemaVersion() int       { return SchemaVersion }
func (ChargedBack) SchemaVersion() int    { return SchemaVersion }

// Events lists one zero value of every event type.
func Events() []domain.Event {
	return []domain.Event{Initiated{}, ActionRequired{}, Authorized{}, Captured{}, Failed{}, Cancelled{}, Refunded{}, ChargedBack{}}
}
