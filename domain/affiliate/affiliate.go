package affiliate

import (
	"strings"
	"time"

	"github.com/souq-market/souq/domain"
)

// Wire names of affiliate events; stable for ever.
const (
	TypeRegistered         = "affiliate.registered"
	TypeLinkCreated        = "affiliate.link_created"
	TypeClickRecorded      = "affiliate.click_recorded"
	TypeOrderAttributed    = "affiliate.order_attributed"
	TypeCommissionReversed = "affiliate.commission_reversed"
	TypeCommissionPayable  = "affiliate.commission_payable"
)

// SchemaVersion is the current schema of every event here.
const SchemaVersion = 1

// Registered: an influencer joined the programme.
type Registered struct {
	AffiliateID    domain.AffiliateID `json:"affiliate_id"`
	InfluencerID   domain.CustomerID  `json:"influencer_id"`
	Name           string             `json:"name"`
	Currency       domain.Currency    `json:"currency"`
	CommissionRate domain.BasisPoints `json:"commission_rate"`
	At             time.Time          `json:"at"`
}

// LinkCreated: a link with a shareable code.
type LinkCreated struct {
	LinkID string    `json:"link_id"`
	Code   string    `json:"code"`
	At     time.Time `json:"at"`
}

// ClickRecorded: someone followed a link. The command layer derives the
// event ID from the click, so a retried click is dropped by the store.
type ClickRecorded struct {
	LinkID string    `json:"link_id"`
	At     time.Time `json:"at"`
}

// OrderAttributed: an order came through a link and earns commission on
// Base (goods after discount), payable from PayableAt.
type OrderAttributed struct {
	OrderID    domain.OrderID     `json:"order_id"`
	LinkID     string             `json:"link_id"`
	Base       domain.Money       `json:"base"`
	Rate       domain.BasisPoints `json:"rate"`
	Commission domain.Money       `json:"commission"`
	PayableAt  time.Time          `json:"payable_at"`
	At         time.Time          `json:"at"`
}

// CommissionReversed: part of a pending commission came back with a return.
type CommissionReversed struct {
	OrderID domain.OrderID `json:"order_id"`
	Amount  domain.Money   `json:"amount"`
	Reason  string         `json:"reason"`
	At      time.Time      `json:"at"`
}

// CommissionPayable: the return window closed.
type CommissionPayable struct {
	OrderID domain.OrderID `json:"order_id"`
	Amount  domain.Money   `json:"amount"`
	At      time.Time      `json:"at"`
}

func (Registered) EventType() string         { return TypeRegistered }
func (LinkCreated) EventType() string        { return TypeLinkCreated }
func (ClickRecorded) EventType() string      { return TypeClickRecorded }
func (OrderAttributed) EventType() string    { return TypeOrderAttributed }
func (CommissionReversed) EventType() string { return TypeCommissionReversed }
func (CommissionPayable) EventType() string  { return TypeCommissionPayable }

func (Registered) SchemaVersion() int         { return SchemaVersion }
func (LinkCreated) SchemaVersion() int        { return SchemaVersion }
func (ClickRecorded) SchemaVersion() int      { return SchemaVersion }
func (OrderAttributed) SchemaVersion() int    { return SchemaVersion }
func (CommissionReversed) SchemaVersion() int { return SchemaVersion }
func (CommissionPayable) SchemaVersion() int  { return SchemaVersion }

// Events lists one zero value of every event type.
func Events() []domain.Event {
	return []domain.Event{Registered{}, LinkCreated{}, ClickRecorded{}, OrderAttributed{}, CommissionReversed{}, CommissionPayable{}}
}

// Error codes.
const (
	CodeNotRegistered     = "affiliate.not_registered"
	CodeAlreadyRegistered = "affiliate.already_registered"
	CodeLinkExists        = "affiliate.link_exists"
	CodeUnknownLink       = "affiliate.unknown_link"
	CodeAlreadyAttributed = "affiliate.order_already_attributed"
	CodeUnknownOrder      = "affiliate.order_not_attributed"
	CodeSettled           = "affiliate.commission_settled"
	CodeOverReversal      = "affiliate.reversal_exceeds_commission"
	CodeNotDue            = "affiliate.commission_not_payable_yet"
)

type commission struct {
	booked    OrderAttributed
	left      int64
	payableAt time.Time
	payable   bool
}

// Affiliate is one influencer's account.
type Affiliate struct {
	root    domain.Root
	id      domain.AffiliateID
	reg     Registered
	links   map[string]string // link ID → code
	codes   map[string]string // code → link ID
	clicks  map[string]int64
	orders  map[domain.OrderID]*commission
	pending int64
	payable int64
}

// New returns the affiliate with this ID before any event.
func New(id domain.AffiliateID) *Affiliate {
	return &Affiliate{id: id, links: map[string]string{}, codes: map[string]string{}, clicks: map[string]int64{}, orders: map[domain.OrderID]*commission{}}
}

func (a *Affiliate) ID() domain.AffiliateID     { return a.id }
func (a *Affiliate) Clicks(link string) int64   { return a.clicks[link] }
func (a *Affiliate) Pending() domain.Money      { return a.money(a.pending) }
func (a *Affiliate) Payable() domain.Money      { return a.money(a.payable) }
func (a *Affiliate) Version() uint64            { return a.root.Version() }
func (a *Affiliate) Changes() []domain.Event    { return a.root.Changes() }
func (a *Affiliate) money(n int64) domain.Money { m, _ := domain.New(n, a.reg.Currency); return m }

// LinkFor finds the link of a code.
func (a *Affiliate) LinkFor(code string) (string, bool) {
	l, ok := a.codes[strings.ToUpper(code)]
	return l, ok
}

// Register enrols an influencer.
type Register struct {
	InfluencerID   domain.CustomerID
	Name           string
	Currency       domain.Currency
	CommissionRate domain.BasisPoints
}

func (a *Affiliate) Register(cmd Register, now time.Time) error {
	var v domain.Validation
	v.ID("influencer_id", string(cmd.InfluencerID))
	v.Text("name", cmd.Name, 200)
	v.Check(cmd.Currency.Valid(), "currency", domain.ProblemCurrency, "unknown currency %q", cmd.Currency)
	v.Check(cmd.CommissionRate >= 0 && cmd.CommissionRate <= 5000, "commission_rate", domain.ProblemRange, "must be 0–5000 basis points")
	if err := v.Err(); err != nil {
		return err
	}
	e := Registered{AffiliateID: a.id, InfluencerID: cmd.InfluencerID, Name: cmd.Name, Currency: cmd.Currency, CommissionRate: cmd.CommissionRate, At: now}
	if a.reg.AffiliateID != "" {
		same := a.reg
		same.At = now
		if same == e {
			return nil
		}
		return domain.Errorf(domain.Conflict, CodeAlreadyRegistered, "affiliate %s is registered", a.id)
	}
	a.raise(e)
	return nil
}

// CreateLink adds a link with a code (letters and digits, stored upper
// case). Codes are unique within the account; uniqueness across accounts
// is the command layer's job, through a read model of codes.
type CreateLink struct {
	LinkID string
	Code   string
}

func (a *Affiliate) CreateLink(cmd CreateLink, now time.Time) error {
	var v domain.Validation
	v.ID("link_id", cmd.LinkID)
	code := strings.ToUpper(cmd.Code)
	v.Check(len(code) >= 3 && len(code) <= 32 && strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == "", "code", domain.ProblemInvalid, "3–32 letters and digits")
	if err := v.Err(); err != nil {
		return err
	}
	if err := a.exists(); err != nil {
		return err
	}
	if have, ok := a.links[cmd.LinkID]; ok {
		if have == code {
			return nil
		}
		return domain.Errorf(domain.Conflict, CodeLinkExists, "link %s has code %s", cmd.LinkID, have)
	}
	if _, ok := a.codes[code]; ok {
		return domain.Errorf(domain.Conflict, CodeLinkExists, "code %s is taken", code)
	}
	a.raise(LinkCreated{LinkID: cmd.LinkID, Code: code, At: now})
	return nil
}

// RecordClick counts a click on a link.
type RecordClick struct{ LinkID string }

func (a *Affiliate) RecordClick(cmd RecordClick, now time.Time) error {
	if err := a.link(cmd.LinkID); err != nil {
		return err
	}
	a.raise(ClickRecorded{LinkID: cmd.LinkID, At: now})
	return nil
}

// AttributeOrder books commission on an order placed through a link.
type AttributeOrder struct {
	OrderID   domain.OrderID
	LinkID    string
	Base      domain.Money
	PayableAt time.Time
}

func (a *Affiliate) AttributeOrder(cmd AttributeOrder, now time.Time) error {
	if err := a.exists(); err != nil {
		return err
	}
	var v domain.Validation
	v.ID("order_id", string(cmd.OrderID))
	v.Money("base", cmd.Base, a.reg.Currency)
	v.Check(!cmd.PayableAt.IsZero(), "payable_at", domain.ProblemRequired, "is required")
	if err := v.Err(); err != nil {
		return err
	}
	if err := a.link(cmd.LinkID); err != nil {
		return err
	}
	c, err := cmd.Base.MulRate(a.reg.CommissionRate)
	if err != nil {
		return err
	}
	e := OrderAttributed{OrderID: cmd.OrderID, LinkID: cmd.LinkID, Base: cmd.Base, Rate: a.reg.CommissionRate, Commission: c, PayableAt: cmd.PayableAt, At: now}
	if x, ok := a.orders[cmd.OrderID]; ok {
		same := x.booked
		same.At, same.Rate, same.Commission = now, e.Rate, e.Commission
		if same == e {
			return nil
		}
		return domain.Errorf(domain.Conflict, CodeAlreadyAttributed, "order %s is attributed to link %s", cmd.OrderID, x.booked.LinkID)
	}
	a.raise(e)
	return nil
}

// ReverseCommission takes back part of a pending commission.
type ReverseCommission struct {
	OrderID domain.OrderID
	Amount  domain.Money
	Reason  string
}

func (a *Affiliate) ReverseCommission(cmd ReverseCommission, now time.Time) error {
	if err := a.exists(); err != nil {
		return err
	}
	var v domain.Validation
	v.PositiveMoney("amount", cmd.Amount, a.reg.Currency)
	v.Text("reason", cmd.Reason, 500)
	if err := v.Err(); err != nil {
		return err
	}
	c, err := a.order(cmd.OrderID)
	if err != nil {
		return err
	}
	switch {
	case c.payable:
		return domain.Errorf(domain.Conflict, CodeSettled, "commission on %s is payable", cmd.OrderID)
	case cmd.Amount.Amount() > c.left:
		return domain.Errorf(domain.Conflict, CodeOverReversal, "reversing %v of %v", cmd.Amount, a.money(c.left))
	}
	a.raise(CommissionReversed{OrderID: cmd.OrderID, Amount: cmd.Amount, Reason: cmd.Reason, At: now})
	return nil
}

// MakePayable releases a commission after the return window.
type MakePayable struct{ OrderID domain.OrderID }

func (a *Affiliate) MakePayable(cmd MakePayable, now time.Time) error {
	if err := a.exists(); err != nil {
		return err
	}
	c, err := a.order(cmd.OrderID)
	if err != nil || c.payable {
		return err
	}
	if now.Before(c.payableAt) {
		return domain.Errorf(domain.Conflict, CodeNotDue, "commission on %s is payable from %s", cmd.OrderID, c.payableAt.Format(time.RFC3339))
	}
	a.raise(CommissionPayable{OrderID: cmd.OrderID, Amount: a.money(c.left), At: now})
	return nil
}

func (a *Affiliate) exists() error {
	if a.reg.AffiliateID == "" {
		return domain.Errorf(domain.NotFound, CodeNotRegistered, "affiliate %s is not registered", a.id)
	}
	return nil
}

func (a *Affiliate) link(id string) error {
	if err := a.exists(); err != nil {
		return err
	}
	if _, ok := a.links[id]; !ok {
		return domain.Errorf(domain.NotFound, CodeUnknownLink, "no link %q", id)
	}
	return nil
}

func (a *Affiliate) order(id domain.OrderID) (*commission, error) {
	c, ok := a.orders[id]
	if !ok {
		return nil, domain.Errorf(domain.NotFound, CodeUnknownOrder, "order %s is not attributed here", id)
	}
	return c, nil
}

// Apply replays a stored event. It never fails.
func (a *Affiliate) Apply(e domain.Event) {
	a.apply(e)
	a.root.Loaded()
}

func (a *Affiliate) raise(e domain.Event) {
	a.apply(e)
	a.root.Record(e)
}

func (a *Affiliate) apply(e domain.Event) {
	switch e := e.(type) {
	case Registered:
		a.reg = e
	case LinkCreated:
		a.links[e.LinkID], a.codes[e.Code] = e.Code, e.LinkID
	case ClickRecorded:
		a.clicks[e.LinkID]++
	case OrderAttributed:
		a.orders[e.OrderID] = &commission{booked: e, left: e.Commission.Amount(), payableAt: e.PayableAt}
		a.pending += e.Commission.Amount()
	case CommissionReversed:
		if c := a.orders[e.OrderID]; c != nil {
			c.left -= e.Amount.Amount()
		}
		a.pending -= e.Amount.Amount()
	case CommissionPayable:
		if c := a.orders[e.OrderID]; c != nil {
			c.payable = true
		}
		a.pending -= e.Amount.Amount()
		a.payable += e.Amount.Amount()
	}
}
