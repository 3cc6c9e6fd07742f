package wallet

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// Wire names of wallet events; stable for ever.
const (
	TypeOpened            = "wallet.opened"
	TypeCredited          = "wallet.credited"
	TypeDebited           = "wallet.debited"
	TypeCashbackEarned    = "wallet.cashback_earned"
	TypeCashbackReleased  = "wallet.cashback_released"
	TypeCashbackCancelled = "wallet.cashback_cancelled"
	TypeHoldPlaced        = "wallet.hold_placed"
	TypeHoldPosted        = "wallet.hold_posted"
	TypeHoldVoided        = "wallet.hold_voided"
)

// SchemaVersion is the current schema of every event here.
const SchemaVersion = 1

// Entry is one side of a posting: a signed amount on one account. A
// positive amount on a customer account is money souq owes the customer.
type Entry struct {
	Account Account      `json:"account"`
	Amount  domain.Money `json:"amount"`
}

// Opened: the wallet of a customer, in one currency.
type Opened struct {
	WalletID   domain.WalletID   `json:"wallet_id"`
	CustomerID domain.CustomerID `json:"customer_id"`
	Currency   domain.Currency   `json:"currency"`
	At         time.Time         `json:"at"`
}

// Credited: money became available (a refund to wallet or an admin top-up).
type Credited struct {
	Reference string       `json:"reference"`
	Source    Source       `json:"source"`
	Amount    domain.Money `json:"amount"`
	Entries   []Entry      `json:"entries"`
	At        time.Time    `json:"at"`
}

// Debited: an admin took available money back (a correction).
type Debited struct {
	Reference string       `json:"reference"`
	Amount    domain.Money `json:"amount"`
	Reason    string       `json:"reason"`
	Entries   []Entry      `json:"entries"`
	At        time.Time    `json:"at"`
}

// CashbackEarned: cashback earned, spendable from SpendableAt.
type CashbackEarned struct {
	Reference   string         `json:"reference"`
	OrderID     domain.OrderID `json:"order_id"`
	Amount      domain.Money   `json:"amount"`
	SpendableAt time.Time      `json:"spendable_at"`
	Entries     []Entry        `json:"entries"`
	At          time.Time      `json:"at"`
}

// CashbackReleased: pending cashback became available.
type CashbackReleased struct {
	Reference string       `json:"reference"`
	Amount    domain.Money `json:"amount"`
	Entries   []Entry      `json:"entries"`
	At        time.Time    `json:"at"`
}

// CashbackCancelled: pending cashback was withdrawn (the order came back).
type CashbackCancelled struct {
	Reference string       `json:"reference"`
	Amount    domain.Money `json:"amount"`
	Reason    string       `json:"reason,omitempty"`
	Entries   []Entry      `json:"entries"`
	At        time.Time    `json:"at"`
}

// HoldPlaced: available money set aside for a checkout.
type HoldPlaced struct {
	HoldID  HoldID         `json:"hold_id"`
	OrderID domain.OrderID `json:"order_id"`
	Amount  domain.Money   `json:"amount"`
	Entries []Entry        `json:"entries"`
	At      time.Time      `json:"at"`
}

// HoldPosted: the checkout was paid; the held money is spent.
type HoldPosted struct {
	HoldID  HoldID       `json:"hold_id"`
	Amount  domain.Money `json:"amount"`
	Entries []Entry      `json:"entries"`
	At      time.Time    `json:"at"`
}

// HoldVoided: the checkout failed; the held money is available again.
type HoldVoided struct {
	HoldID  HoldID       `json:"hold_id"`
	Amount  domain.Money `json:"amount"`
	Entries []Entry      `json:"entries"`
	At      time.Time    `json:"at"`
}

func (Opened) EventType() string            { return TypeOpened }
func (Credited) EventType() string          { return TypeCredited }
func (Debited) EventType() string           { return TypeDebited }
func (CashbackEarned) EventType() string    { return TypeCashbackEarned }
func (CashbackReleased) EventType() string  { return TypeCashbackReleased }
func (CashbackCancelled) EventType() string { return TypeCashbackCancelled }
func (HoldPlaced) EventType() string        { return TypeHoldPlaced }
func (HoldPosted) EventType() string        { return TypeHoldPosted }
func (HoldVoided) EventType() string        { return TypeHoldVoided }

func (Opened) SchemaVersion() int            { return SchemaVersion }
func (Credited) SchemaVersion() int          { return SchemaVersion }
func (Debited) SchemaVersion() int           { return SchemaVersion }
func (CashbackEarned) SchemaVersion() int    { return SchemaVersion }
func (CashbackReleased) SchemaVersion() int  { return SchemaVersion }
func (CashbackCancelled) SchemaVersion() int { return SchemaVersion }
func (HoldPlaced) SchemaVersion() int        { return SchemaVersion }
func (HoldPosted) SchemaVersion() int        { return SchemaVersion }
func (HoldVoided) SchemaVersion() int        { return SchemaVersion }

// Events lists one zero value of every event type.
func Events() []domain.Event {
	return []domain.Event{Opened{}, Credited{}, Debited{}, CashbackEarned{}, CashbackReleased{}, CashbackCancelled{}, HoldPlaced{}, HoldPosted{}, HoldVoided{}}
}
