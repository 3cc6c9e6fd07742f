package wallet

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// Account of the ledger. Customer accounts hold what souq owes the
// customer and never go negative; souq accounts are their counterparts.
type Account string

const (
	Available       Account = "customer.available"
	Held            Account = "customer.held"
	CashbackPending Account = "customer.cashback_pending"
	TopUps          Account = "souq.topups"
	Refunds         Account = "souq.refunds"
	Cashback        Account = "souq.cashback"
	Orders          Account = "souq.orders"
	Corrections     Account = "souq.corrections"
)

// Accounts lists every account, customer ones first.
func Accounts() []Account {
	return []Account{Available, Held, CashbackPending, TopUps, Refunds, Cashback, Orders, Corrections}
}

// Source of a credit.
type Source string

const (
	SourceRefund Source = "refund"
	SourceTopUp  Source = "topup"
)

// HoldID names one checkout hold; derived from the order by the caller.
type HoldID string

// Error codes.
const (
	CodeNotOpened         = "wallet.not_opened"
	CodeAlreadyOpened     = "wallet.already_opened"
	CodeInsufficientFunds = "wallet.insufficient_funds"
	CodeReferenceReused   = "wallet.reference_reused"
	CodeHoldNotFound      = "wallet.hold_not_found"
	CodeHoldEnded         = "wallet.hold_ended"
	CodeCashbackNotFound  = "wallet.cashback_not_found"
	CodeCashbackNotDue    = "wallet.cashback_not_spendable_yet"
	CodeCashbackEnded     = "wallet.cashback_ended"
)

// HoldStatus is where a hold is in pending → posted | voided.
type HoldStatus string

const (
	Pending HoldStatus = "pending"
	Posted  HoldStatus = "posted"
	Voided  HoldStatus = "voided"
)

// CashbackStatus is where a cashback is in pending → released | cancelled.
type CashbackStatus string

const (
	CashbackWaiting   CashbackStatus = "pending"
	CashbackSpendable CashbackStatus = "released"
	CashbackWithdrawn CashbackStatus = "cancelled"
)

type hold struct {
	orderID domain.OrderID
	amount  domain.Money
	status  HoldStatus
}

type cashback struct {
	orderID     domain.OrderID
	amount      domain.Money
	spendableAt time.Time
	status      CashbackStatus
}

type credit struct {
	amount domain.Money
	source Source
}

// Wallet is one customer's ledger.
type Wallet struct {
	root       domain.Root
	id         domain.WalletID
	customer   domain.CustomerID
	currency   domain.Currency
	balances   map[Account]int64
	holds      map[HoldID]*hold
	cashbacks  map[string]*cashback
	references map[string]credit // credits and debits by reference, for retries
}

// New returns the wallet with this ID before any event.
func New(id domain.WalletID) *Wallet {
	return &Wallet{id: id, balances: map[Account]int64{}, holds: map[HoldID]*hold{}, cashbacks: map[string]*cashback{}, references: map[string]credit{}}
}

func (w *Wallet) ID() domain.WalletID            { return w.id }
func (w *Wallet) Customer() domain.CustomerID    { return w.customer }
func (w *Wallet) Currency() domain.Currency      { return w.currency }
func (w *Wallet) IsOpen() bool                   { return w.currency != "" }
func (w *Wallet) Version() uint64                { return w.root.Version() }
func (w *Wallet) Changes() []domain.Event        { return w.root.Changes() }
func (w *Wallet) Balance(a Account) domain.Money { return w.money(w.balances[a]) }

// Spendable is what a checkout may take now.
func (w *Wallet) Spendable() domain.Money { return w.Balance(Available) }

// HoldStatus of a hold, and whether it exists.
func (w *Wallet) HoldStatus(id HoldID) (HoldStatus, bool) {
	h, ok := w.holds[id]
	if !ok {
		return "", false
	}
	return h.status, true
}

// DueCashback lists pending cashback references spendable at now.
func (w *Wallet) DueCashback(now time.Time) []string {
	var out []string
	for ref, c := range w.cashbacks {
		if c.status == CashbackWaiting && !now.Before(c.spendableAt) {
			out = append(out, ref)
		}
	}
	return out
}

func (w *Wallet) money(n int64) domain.Money {
	m, err := domain.New(n, w.currency)
	if err != nil {
		return domain.Money{} // an unopened wallet has no currency
	}
	return m
}

// Open starts the wallet of a customer in a currency.
type Open struct {
	CustomerID domain.CustomerID
	Currency   domain.Currency
}

func (w *Wallet) Open(cmd Open, now time.Time) error {
	var v domain.Validation
	v.ID("customer_id", string(cmd.CustomerID))
	v.Check(cmd.Currency.Valid(), "currency", domain.ProblemCurrency, "unknown currency %q", cmd.Currency)
	if err := v.Err(); err != nil {
		return err
	}
	if w.IsOpen() {
		if w.customer == cmd.CustomerID && w.currency == cmd.Currency {
			return nil
		}
		return domain.Errorf(domain.Conflict, CodeAlreadyOpened, "wallet %s belongs to %s in %s", w.id, w.customer, w.currency)
	}
	w.raise(Opened{WalletID: w.id, CustomerID: cmd.CustomerID, Currency: cmd.Currency, At: now})
	return nil
}

// Credit makes money available: a refund to wallet or an admin top-up. The
// same reference again with the same amount is a retry.
type Credit struct {
	Reference string
	Source    Source
	Amount    domain.Money
}

func (w *Wallet) Credit(cmd Credit, now time.Time) error {
	var v domain.Validation
	w.checkRef(&v, cmd.Reference)
	v.Check(cmd.Source == SourceRefund || cmd.Source == SourceTopUp, "source", domain.ProblemInvalid, "must be refund or topup")
	v.PositiveMoney("amount", cmd.Amount, w.currency)
	if err := w.ready(&v); err != nil {
		return err
	}
	if done, err := w.retried(cmd.Reference, cmd.Amount, cmd.Source); done || err != nil {
		return err
	}
	from := TopUps
	if cmd.Source == SourceRefund {
		from = Refunds
	}
	entries, err := w.posting(cmd.Amount, from, Available)
	if err != nil {
		return err
	}
	w.raise(Credited{Reference: cmd.Reference, Source: cmd.Source, Amount: cmd.Amount, Entries: entries, At: now})
	return nil
}

// Debit takes available money back (an admin correction), never below zero.
type Debit struct {
	Reference string
	Amount    domain.Money
	Reason    string
}

func (w *Wallet) Debit(cmd Debit, now time.Time) error {
	var v domain.Validation
	w.checkRef(&v, cmd.Reference)
	v.PositiveMoney("amount", cmd.Amount, w.currency)
	v.Text("reason", cmd.Reason, 500)
	if err := w.ready(&v); err != nil {
		return err
	}
	if done, err := w.retried(cmd.Reference, cmd.Amount, "debit"); done || err != nil {
		return err
	}
	entries, err := w.posting(cmd.Amount, Available, Corrections)
	if err != nil {
		return err
	}
	w.raise(Debited{Reference: cmd.Reference, Amount: cmd.Amount, Reason: cmd.Reason, Entries: entries, At: now})
	return nil
}

// EarnCashback records cashback of an order, spendable from SpendableAt:
// the process manager sets it to delivery plus the return window.
type EarnCashback struct {
	Reference   string
	OrderID     domain.OrderID
	Amount      domain.Money
	SpendableAt time.Time
}

func (w *Wallet) EarnCashback(cmd EarnCashback, now time.Time) error {
	var v domain.Validation
	w.checkRef(&v, cmd.Reference)
	v.ID("order_id", string(cmd.OrderID))
	v.PositiveMoney("amount", cmd.Amount, w.currency)
	v.Check(!cmd.SpendableAt.IsZero(), "spendable_at", domain.ProblemRequired, "is required")
	if err := w.ready(&v); err != nil {
		return err
	}
	if done, err := w.retried(cmd.Reference, cmd.Amount, "cashback"); done || err != nil {
		return err
	}
	entries, err := w.posting(cmd.Amount, Cashback, CashbackPending)
	if err != nil {
		return err
	}
	w.raise(CashbackEarned{Reference: cmd.Reference, OrderID: cmd.OrderID, Amount: cmd.Amount, SpendableAt: cmd.SpendableAt, Entries: entries, At: now})
	return nil
}

// ReleaseCashback makes pending cashback spendable, not before its time.
type ReleaseCashback struct {
	Reference string
}

func (w *Wallet) ReleaseCashback(cmd ReleaseCashback, now time.Time) error {
	c, err := w.pendingCashback(cmd.Reference, CashbackSpendable)
	if err != nil || c == nil {
		return err
	}
	if now.Before(c.spendableAt) {
		return domain.Errorf(domain.Conflict, CodeCashbackNotDue, "cashback %s is spendable from %s", cmd.Reference, c.spendableAt.Format(time.RFC3339))
	}
	entries, err := w.posting(c.amount, CashbackPending, Available)
	if err != nil {
		return err
	}
	w.raise(CashbackReleased{Reference: cmd.Reference, Amount: c.amount, Entries: entries, At: now})
	return nil
}

// CancelCashback withdraws pending cashback (the order was returned).
// Released cashback is the customer's money and cannot be withdrawn here.
type CancelCashback struct {
	Reference string
	Reason    string
}

func (w *Wallet) CancelCashback(cmd CancelCashback, now time.Time) error {
	var v domain.Validation
	v.OptionalText("reason", cmd.Reason, 500)
	if err := v.Err(); err != nil {
		return err
	}
	c, err := w.pendingCashback(cmd.Reference, CashbackWithdrawn)
	if err != nil || c == nil {
		return err
	}
	entries, err := w.posting(c.amount, CashbackPending, Cashback)
	if err != nil {
		return err
	}
	w.raise(CashbackCancelled{Reference: cmd.Reference, Amount: c.amount, Reason: cmd.Reason, Entries: entries, At: now})
	return nil
}

// pendingCashback returns the cashback to end, or nil when it already ended
// the way asked (a retry), or an error when it ended the other way.
func (w *Wallet) pendingCashback(ref string, target CashbackStatus) (*cashback, error) {
	if !w.IsOpen() {
		return nil, domain.Errorf(domain.NotFound, CodeNotOpened, "wallet %s is not opened", w.id)
	}
	c, ok := w.cashbacks[ref]
	switch {
	case !ok:
		return nil, domain.Errorf(domain.NotFound, CodeCashbackNotFound, "no cashback %q", ref)
	case c.status == target:
		return nil, nil
	case c.status != CashbackWaiting:
		return nil, domain.Errorf(domain.Conflict, CodeCashbackEnded, "cashback %s was %s", ref, c.status)
	}
	return c, nil
}

// PlaceHold sets available money aside for a checkout. The same hold again
// with the same amount and order is a retry.
type PlaceHold struct {
	HoldID  HoldID
	OrderID domain.OrderID
	Amount  domain.Money
}

func (w *Wallet) PlaceHold(cmd PlaceHold, now time.Time) error {
	var v domain.Validation
	v.ID("hold_id", string(cmd.HoldID))
	v.ID("order_id", string(cmd.OrderID))
	v.PositiveMoney("amount", cmd.Amount, w.currency)
	if err := w.ready(&v); err != nil {
		return err
	}
	if h, ok := w.holds[cmd.HoldID]; ok {
		if h.amount != cmd.Amount || h.orderID != cmd.OrderID {
			return domain.Errorf(domain.Conflict, CodeReferenceReused, "hold %s is %v for order %s", cmd.HoldID, h.amount, h.orderID)
		}
		return nil
	}
	entries, err := w.posting(cmd.Amount, Available, Held)
	if err != nil {
		return err
	}
	w.raise(HoldPlaced{HoldID: cmd.HoldID, OrderID: cmd.OrderID, Amount: cmd.Amount, Entries: entries, At: now})
	return nil
}

// PostHold spends a pending hold; posting a posted hold is a retry.
type PostHold struct{ HoldID HoldID }

func (w *Wallet) PostHold(cmd PostHold, now time.Time) error {
	h, err := w.pendingHold(cmd.HoldID, Posted)
	if err != nil || h == nil {
		return err
	}
	entries, err := w.posting(h.amount, Held, Orders)
	if err != nil {
		return err
	}
	w.raise(HoldPosted{HoldID: cmd.HoldID, Amount: h.amount, Entries: entries, At: now})
	return nil
}

// VoidHold gives a pending hold back; voiding a voided hold is a retry.
type VoidHold struct{ HoldID HoldID }

func (w *Wallet) VoidHold(cmd VoidHold, now time.Time) error {
	h, err := w.pendingHold(cmd.HoldID, Voided)
	if err != nil || h == nil {
		return err
	}
	entries, err := w.posting(h.amount, Held, Available)
	if err != nil {
		return err
	}
	w.raise(HoldVoided{HoldID: cmd.HoldID, Amount: h.amount, Entries: entries, At: now})
	return nil
}

// pendingHold returns the hold to end, or nil when it already ended the way
// asked (a retry), or an error when it ended the other way.
func (w *Wallet) pendingHold(id HoldID, target HoldStatus) (*hold, error) {
	if !w.IsOpen() {
		return nil, domain.Errorf(domain.NotFound, CodeNotOpened, "wallet %s is not opened", w.id)
	}
	h, ok := w.holds[id]
	switch {
	case !ok:
		return nil, domain.Errorf(domain.NotFound, CodeHoldNotFound, "no hold %q", id)
	case h.status == target:
		return nil, nil
	case h.status != Pending:
		return nil, domain.Errorf(domain.Conflict, CodeHoldEnded, "hold %s was %s", id, h.status)
	}
	return h, nil
}

// posting moves amount from one account to another as a balanced pair of
// entries, refusing to take a customer account below zero.
func (w *Wallet) posting(amount domain.Money, from, to Account) ([]Entry, error) {
	neg, err := amount.Neg()
	if err != nil {
		return nil, err
	}
	entries := []Entry{{Account: from, Amount: neg}, {Account: to, Amount: amount}}
	for _, e := range entries {
		after, err := w.Balance(e.Account).Add(e.Amount)
		if err != nil {
			return nil, err
		}
		if customer(e.Account) && after.IsNegative() {
			return nil, domain.Errorf(domain.Conflict, CodeInsufficientFunds, "%s holds %v, %v needed", e.Account, w.Balance(e.Account), amount)
		}
	}
	return entries, nil
}

func customer(a Account) bool { return a == Available || a == Held || a == CashbackPending }

func (w *Wallet) checkRef(v *domain.Validation, ref string) {
	if v.Text("reference", ref, domain.MaxIDBytes) {
		v.Check(domain.ValidID(ref), "reference", domain.ProblemInvalid, "is not a valid identifier")
	}
}

// ready turns collected problems into an error, and refuses an unopened
// wallet: its currency is unknown, so no amount can be checked.
func (w *Wallet) ready(v *domain.Validation) error {
	if !w.IsOpen() {
		return domain.Errorf(domain.NotFound, CodeNotOpened, "wallet %s is not opened", w.id)
	}
	return v.Err()
}

// retried tells whether a reference was already used: with the same amount
// and kind it is a retry (done); otherwise the reference is reused.
func (w *Wallet) retried(ref string, amount domain.Money, kind Source) (bool, error) {
	c, ok := w.references[ref]
	switch {
	case !ok:
		return false, nil
	case c.amount == amount && c.source == kind:
		return true, nil
	}
	return false, domain.Errorf(domain.Conflict, CodeReferenceReused, "reference %s was used for %s %v", ref, c.source, c.amount)
}

// Apply replays a stored event. It never fails.
func (w *Wallet) Apply(e domain.Event) {
	w.apply(e)
	w.root.Loaded()
}

func (w *Wallet) raise(e domain.Event) {
	w.apply(e)
	w.root.Record(e)
}

func (w *Wallet) post(entries []Entry) {
	for _, e := range entries {
		w.balances[e.Account] += e.Amount.Amount()
	}
}

func (w *Wallet) apply(e domain.Event) {
	switch e := e.(type) {
	case Opened:
		w.customer, w.currency = e.CustomerID, e.Currency
	case Credited:
		w.references[e.Reference] = credit{amount: e.Amount, source: e.Source}
		w.post(e.Entries)
	case Debited:
		w.references[e.Reference] = credit{amount: e.Amount, source: "debit"}
		w.post(e.Entries)
	case CashbackEarned:
		w.references[e.Reference] = credit{amount: e.Amount, source: "cashback"}
		w.cashbacks[e.Reference] = &cashback{orderID: e.OrderID, amount: e.Amount, spendableAt: e.SpendableAt, status: CashbackWaiting}
		w.post(e.Entries)
	case CashbackReleased:
		if c := w.cashbacks[e.Reference]; c != nil {
			c.status = CashbackSpendable
		}
		w.post(e.Entries)
	case CashbackCancelled:
		if c := w.cashbacks[e.Reference]; c != nil {
			c.status = CashbackWithdrawn
		}
		w.post(e.Entries)
	case HoldPlaced:
		w.holds[e.HoldID] = &hold{orderID: e.OrderID, amount: e.Amount, status: Pending}
		w.post(e.Entries)
	case HoldPosted:
		if h := w.holds[e.HoldID]; h != nil {
			h.status = Posted
		}
		w.post(e.Entries)
	case HoldVoided:
		if h := w.holds[e.HoldID]; h != nil {
			h.status = Voided
		}
		w.post(e.Entries)
	}
}
