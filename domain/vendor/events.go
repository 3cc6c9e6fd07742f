package vendor

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// Wire names of vendor events; stable for ever.
const (
	TypeRegistered        = "vendor.registered"
	TypeKYCSubmitted      = "vendor.kyc_submitted"
	TypeApproved          = "vendor.approved"
	TypeRejected          = "vendor.rejected"
	TypeSuspended         = "vendor.suspended"
	TypeReinstated        = "vendor.reinstated"
	TypeCommissionChanged = "vendor.commission_changed"
	TypePayoutAccountSet  = "vendor.payout_account_set"
	TypeEarningRecorded   = "vendor.earning_recorded"
	TypeEarningReversed   = "vendor.earning_reversed"
	TypeEarningPayable    = "vendor.earning_payable"
	TypePaidOut           = "vendor.paid_out"
)

// SchemaVersion is the current schema of every event here.
const SchemaVersion = 1

// Registered: a seller applied.
type Registered struct {
	VendorID domain.VendorID `json:"vendor_id"`
	Name     string          `json:"name"`
	Country  domain.Country  `json:"country"`
	Currency domain.Currency `json:"currency"`
	Email    string          `json:"email"`
	At       time.Time       `json:"at"`
}

// KYCSubmitted: identity and licence documents uploaded for review.
type KYCSubmitted struct {
	Documents []Document `json:"documents"`
	At        time.Time  `json:"at"`
}

// Approved: the vendor may sell, at this commission rate.
type Approved struct {
	CommissionRate domain.BasisPoints `json:"commission_rate"`
	At             time.Time          `json:"at"`
}

// Rejected: KYC refused; the vendor may submit again.
type Rejected struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Suspended: selling and payouts stop.
type Suspended struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Reinstated: a suspension ended.
type Reinstated struct {
	At time.Time `json:"at"`
}

// CommissionChanged: the rate for orders placed from now on.
type CommissionChanged struct {
	CommissionRate domain.BasisPoints `json:"commission_rate"`
	At             time.Time          `json:"at"`
}

// PayoutAccountSet: where payouts go.
type PayoutAccountSet struct {
	Account PayoutAccount `json:"account"`
	At      time.Time     `json:"at"`
}

// EarningRecorded: a delivered sub-order earned Amount (price − commission),
// payable from PayableAt (delivery plus the return window).
type EarningRecorded struct {
	SubOrderID domain.SubOrderID `json:"sub_order_id"`
	OrderID    domain.OrderID    `json:"order_id"`
	Gross      domain.Money      `json:"gross"`
	Commission domain.Money      `json:"commission"`
	Amount     domain.Money      `json:"amount"`
	PayableAt  time.Time         `json:"payable_at"`
	At         time.Time         `json:"at"`
}

// EarningReversed: part or all of a pending earning came back with a return.
type EarningReversed struct {
	SubOrderID domain.SubOrderID `json:"sub_order_id"`
	Amount     domain.Money      `json:"amount"`
	Reason     string            `json:"reason"`
	At         time.Time         `json:"at"`
}

// EarningPayable: the return window closed; the earning may be paid out.
type EarningPayable struct {
	SubOrderID domain.SubOrderID `json:"sub_order_id"`
	Amount     domain.Money      `json:"amount"`
	At         time.Time         `json:"at"`
}

// PaidOut: money sent to the payout account.
type PaidOut struct {
	PayoutID string        `json:"payout_id"`
	Amount   domain.Money  `json:"amount"`
	Account  PayoutAccount `json:"account"`
	At       time.Time     `json:"at"`
}

func (Registered) EventType() string        { return TypeRegistered }
func (KYCSubmitted) EventType() string      { return TypeKYCSubmitted }
func (Approved) EventType() string          { return TypeApproved }
func (Rejected) EventType() string          { return TypeRejected }
func (Suspended) EventType() string         { return TypeSuspended }
func (Reinstated) EventType() string        { return TypeReinstated }
func (CommissionChanged) EventType() string { return TypeCommissionChanged }
func (PayoutAccountSet) EventType() string  { return TypePayoutAccountSet }
func (EarningRecorded) EventType() string   { return TypeEarningRecorded }
func (EarningReversed) EventType() string   { return TypeEarningReversed }
func (EarningPayable) EventType() string    { return TypeEarningPayable }
func (PaidOut) EventType() string           { return TypePaidOut }

func (Registered) SchemaVersion() int        { return SchemaVersion }
func (KYCSubmitted) SchemaVersion() int      { return SchemaVersion }
func (Approved) SchemaVersion() int          { return SchemaVersion }
func (Rejected) SchemaVersion() int          { return SchemaVersion }
func (Suspended) SchemaVersion() int         { return SchemaVersion }
func (Reinstated) SchemaVersion() int        { return SchemaVersion }
func (CommissionChanged) SchemaVersion() int { return SchemaVersion }
func (PayoutAccountSet) SchemaVersion() int  { return SchemaVersion }
func (EarningRecorded) SchemaVersion() int   { return SchemaVersion }
func (EarningReversed) SchemaVersion() int   { return SchemaVersion }
func (EarningPayable) SchemaVersion() int    { return SchemaVersion }
func (PaidOut) SchemaVersion() int           { return SchemaVersion }

// Events lists one zero value of every event type.
func Events() []domain.Event {
	return []domain.Event{Registered{}, KYCSubmitted{}, Approved{}, Rejected{}, Suspended{}, Reinstated{}, CommissionChanged{}, PayoutAccountSet{}, EarningRecorded{}, EarningReversed{}, EarningPayable{}, PaidOut{}}
}
