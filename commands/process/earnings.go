package process

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/souq-market/souq/commands"
	affcmd "github.com/souq-market/souq/commands/affiliate"
	vendorcmd "github.com/souq-market/souq/commands/vendor"
	walletcmd "github.com/souq-market/souq/commands/wallet"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/affiliate"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/returns"
	"github.com/souq-market/souq/domain/vendor"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/eventstore"
)

// EarningsName is the cashback-and-earnings manager's checkpoint key.
const EarningsName = "process.earnings"

// Earnings books what a delivered order earns, pending until its return
// window closes:
//
//	order.delivered  → each vendor's earning (goods after discount − its
//	                   commission), the affiliate's commission, the
//	                   customer's cashback, all payable or spendable from
//	                   the end of the return window
//	return.approved  → the returned share of each taken back: the vendor's
//	                   earning and the affiliate's commission in proportion
//	                   to the value returned, the cashback likewise (the
//	                   pending cashback is withdrawn and the rest earned
//	                   again under a reference named after the return)
//
// The Settlement sweeper makes them payable and spendable when the window
// has closed, after replaying the reversals of every approved return (the
// same commands, so a reversal this manager has not reached yet is never
// overtaken).
//
// The affiliate's link is the one whose code the customer entered, else
// the affiliate's first link: an order records only the affiliate.
type Earnings struct {
	Deps
	// WalletOf names a customer's wallet; default WalletOf.
	WalletOf func(domain.CustomerID) domain.WalletID
}

// NewEarnings fills the defaults.
func NewEarnings(e Earnings) *Earnings {
	e.Deps = e.Deps.withDefaults()
	if e.WalletOf == nil {
		e.WalletOf = WalletOf
	}
	return &e
}

// Name is the checkpoint key.
func (e *Earnings) Name() string { return EarningsName }

// Handle runs the steps for each event, in order.
func (e *Earnings) Handle(ctx context.Context, events []eventstore.RecordedEvent) error {
	for _, r := range events {
		var err error
		switch r.Type {
		case order.TypeDelivered:
			err = e.delivered(ctx, r)
		case returns.TypeApproved:
			err = e.reverse(ctx, r)
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %s at %d: %w", EarningsName, r.Type, r.Position, err)
		}
	}
	return nil
}

// CashbackRef is the wallet reference of an order's cashback as earned at
// delivery.
func CashbackRef(o domain.OrderID) string { return derived(o, ":cashback") }

// cashbackAfter is the reference of what is left of an order's cashback
// after a return.
func cashbackAfter(o domain.OrderID, ret domain.ReturnID) string {
	return derive(CashbackRef(o), ":after:"+string(ret))
}

// warn logs a refusal the manager cannot act on and reports whether err
// was one; anything else is the caller's to return.
func (e *Earnings) warn(ctx context.Context, err error, msg string, args ...any) bool {
	d, ok := refusal(err)
	if ok {
		e.Logger.WarnContext(ctx, msg, append(args, "code", d.Code, "err", err)...)
	}
	return ok
}

func (e *Earnings) delivered(ctx context.Context, r eventstore.RecordedEvent) error {
	o, err := loadOrder(ctx, e.Exec, domain.OrderID(strings.TrimPrefix(r.StreamID, "order-")))
	if err != nil {
		return err
	}
	ends := o.ReturnWindowEnds()
	if ends.IsZero() {
		return nil
	}
	vd := vendorcmd.Deps{Exec: e.Exec, Now: e.Now}
	for _, s := range o.SubOrders() {
		if st, _ := o.SubStatus(s.ID); st == order.SubCancelled {
			continue
		}
		gross, err := s.Subtotal.Sub(s.Discount)
		if err != nil {
			return err
		}
		_, err = vendorcmd.RecordEarning{Deps: vd}.Handle(ctx, vendorcmd.For[vendor.RecordEarning]{VendorID: s.VendorID, Cmd: vendor.RecordEarning{
			SubOrderID: s.ID, OrderID: o.ID(), Gross: gross, Commission: s.Commission, PayableAt: ends}},
			Meta(EarningsName, r, "record earning "+string(s.ID)))
		if err != nil && !e.warn(ctx, err, "vendor earning not recorded", "order_id", o.ID(), "vendor_id", s.VendorID) {
			return fmt.Errorf("record earning of %s: %w", s.ID, err)
		}
	}
	if a := o.AffiliateID(); a != "" {
		acc, err := e.account(ctx, a)
		if err != nil {
			return err
		}
		link, ok := acc.LinkFor(o.DiscountCode())
		if !ok {
			link = acc.first
		}
		_, err = affcmd.AttributeOrder{Deps: affcmd.Deps{Exec: e.Exec, Now: e.Now}}.Handle(ctx, affcmd.For[affcmd.Attribution]{AffiliateID: a,
			Cmd: affcmd.Attribution{OrderID: o.ID(), LinkID: link}}, Meta(EarningsName, r, "attribute order"))
		if err != nil && !e.warn(ctx, err, "affiliate commission not booked", "order_id", o.ID(), "affiliate_id", a) {
			return fmt.Errorf("attribute to %s: %w", a, err)
		}
	}
	cb := o.Totals().Cashback
	if !cb.IsPositive() {
		return nil
	}
	wd := walletcmd.Deps{Exec: e.Exec, Now: e.Now}
	wid := e.WalletOf(o.Customer())
	_, err = walletcmd.Open{Deps: wd}.Handle(ctx, walletcmd.For[wallet.Open]{WalletID: wid, Cmd: wallet.Open{CustomerID: o.Customer(), Currency: cb.Currency()}},
		Meta(EarningsName, r, "open wallet"))
	if err != nil {
		if e.warn(ctx, err, "cashback not earned: the wallet cannot take it", "order_id", o.ID(), "wallet_id", wid) {
			return nil
		}
		return fmt.Errorf("open wallet %s: %w", wid, err)
	}
	_, err = walletcmd.EarnCashback{Deps: wd}.Handle(ctx, walletcmd.For[wallet.EarnCashback]{WalletID: wid, Cmd: wallet.EarnCashback{
		Reference: CashbackRef(o.ID()), OrderID: o.ID(), Amount: cb, SpendableAt: ends}}, Meta(EarningsName, r, "earn cashback"))
	if err != nil && !e.warn(ctx, err, "cashback not earned", "order_id", o.ID(), "wallet_id", wid) {
		return fmt.Errorf("earn cashback: %w", err)
	}
	return nil
}

// share is part/whole of amount, rounded as Money.Allocate rounds; part
// is capped at whole.
func share(amount, part, whole domain.Money) (domain.Money, error) {
	if !amount.IsPositive() || !part.IsPositive() || !whole.IsPositive() {
		return domain.Zero(amount.Currency())
	}
	p, w := part.Amount(), whole.Amount()
	if p >= w {
		return amount, nil
	}
	parts, err := amount.Allocate(p, w-p)
	if err != nil {
		return domain.Money{}, err
	}
	return parts[0], nil
}

// reverse takes back the share of a return approved by r.
func (e *Earnings) reverse(ctx context.Context, r eventstore.RecordedEvent) error {
	id := domain.ReturnID(strings.TrimPrefix(r.StreamID, "return-"))
	stream, err := commands.ReturnStream(id)
	if err != nil || stream != r.StreamID {
		return nil
	}
	ret, err := load(ctx, e.Exec, stream, func() *returns.Return { return returns.New(id) })
	if err != nil {
		return err
	}
	if ret.Status() != returns.StatusApproved {
		return nil
	}
	o, err := loadOrder(ctx, e.Exec, ret.Order())
	if err != nil {
		return err
	}
	value, reason := ret.Total(), "return "+string(id)
	for _, s := range o.SubOrders() {
		if s.ID != ret.SubOrder() {
			continue
		}
		gross, err := s.Subtotal.Sub(s.Discount)
		if err != nil {
			return err
		}
		earned, err := gross.Sub(s.Commission)
		if err != nil {
			return err
		}
		back, err := share(earned, value, gross)
		if err != nil {
			return err
		}
		if back.IsPositive() {
			_, err = vendorcmd.ReverseEarning{Deps: vendorcmd.Deps{Exec: e.Exec, Now: e.Now}}.Handle(ctx, vendorcmd.For[vendor.ReverseEarning]{VendorID: s.VendorID,
				Cmd: vendor.ReverseEarning{SubOrderID: s.ID, Amount: back, Reason: reason}}, Meta(EarningsName, r, "reverse earning"))
			if err != nil && !e.warn(ctx, err, "vendor earning not reversed", "return_id", id, "vendor_id", s.VendorID) {
				return fmt.Errorf("reverse earning of %s: %w", s.ID, err)
			}
		}
	}
	t := o.Totals()
	goods, err := t.Subtotal.Sub(t.Discount)
	if err != nil {
		return err
	}
	if a := o.AffiliateID(); a != "" {
		acc, err := e.account(ctx, a)
		if err != nil {
			return err
		}
		back, err := share(acc.commissions[o.ID()], value, goods)
		if err != nil {
			return err
		}
		if back.IsPositive() {
			_, err = affcmd.ReverseCommission{Deps: affcmd.Deps{Exec: e.Exec, Now: e.Now}}.Handle(ctx, affcmd.For[affiliate.ReverseCommission]{AffiliateID: a,
				Cmd: affiliate.ReverseCommission{OrderID: o.ID(), Amount: back, Reason: reason}}, Meta(EarningsName, r, "reverse commission"))
			if err != nil && !e.warn(ctx, err, "affiliate commission not reversed", "return_id", id, "affiliate_id", a) {
				return fmt.Errorf("reverse commission of %s: %w", a, err)
			}
		}
	}
	if !t.Cashback.IsPositive() {
		return nil
	}
	back, err := share(t.Cashback, value, goods)
	if err != nil {
		return err
	}
	return e.reduceCashback(ctx, r, o, id, back, reason)
}

// reduceCashback withdraws the order's pending cashback and earns it
// again less back, under a reference named after the return. Done when
// that reference exists; the cashback it replaces is the one pending, or
// the one this return withdrew before a crash.
func (e *Earnings) reduceCashback(ctx context.Context, r eventstore.RecordedEvent, o *order.Order, ret domain.ReturnID, back domain.Money, reason string) error {
	wid := e.WalletOf(o.Customer())
	l, err := e.ledger(ctx, wid)
	if err != nil {
		return err
	}
	after := cashbackAfter(o.ID(), ret)
	if _, done := l.cashbacks[after]; done {
		return nil
	}
	var base *cashbackEntry
	for _, c := range l.cashbacks {
		if c.order == o.ID() && (c.status == wallet.CashbackWaiting || c.status == wallet.CashbackWithdrawn && c.reason == reason) {
			base = c
			break
		}
	}
	if base == nil {
		return nil // released already, or never earned
	}
	wd := walletcmd.Deps{Exec: e.Exec, Now: e.Now}
	if base.status == wallet.CashbackWaiting {
		_, err := walletcmd.CancelCashback{Deps: wd}.Handle(ctx, walletcmd.For[wallet.CancelCashback]{WalletID: wid,
			Cmd: wallet.CancelCashback{Reference: base.ref, Reason: reason}}, Meta(EarningsName, r, "withdraw cashback"))
		if err != nil {
			if e.warn(ctx, err, "cashback not withdrawn", "return_id", ret, "wallet_id", wid) {
				return nil
			}
			return fmt.Errorf("withdraw cashback %s: %w", base.ref, err)
		}
	}
	rest, err := base.amount.Sub(back)
	if err != nil || !rest.IsPositive() {
		return err
	}
	_, err = walletcmd.EarnCashback{Deps: wd}.Handle(ctx, walletcmd.For[wallet.EarnCashback]{WalletID: wid, Cmd: wallet.EarnCashback{
		Reference: after, OrderID: o.ID(), Amount: rest, SpendableAt: base.spendableAt}}, Meta(EarningsName, r, "earn cashback left"))
	if err != nil && !e.warn(ctx, err, "cashback left not earned", "return_id", ret, "wallet_id", wid) {
		return fmt.Errorf("earn cashback left: %w", err)
	}
	return nil
}

// settle makes what the order earned payable and spendable; its return
// window has closed. approvals are the return.approved events of the
// order: their reversals are issued again (replays when done) first.
func (e *Earnings) settle(ctx context.Context, cause eventstore.RecordedEvent, o *order.Order, approvals []eventstore.RecordedEvent) error {
	for _, a := range approvals {
		if err := e.reverse(ctx, a); err != nil {
			return err
		}
	}
	vd := vendorcmd.Deps{Exec: e.Exec, Now: e.Now}
	for _, s := range o.SubOrders() {
		if st, _ := o.SubStatus(s.ID); st == order.SubCancelled {
			continue
		}
		_, err := vendorcmd.MakePayable{Deps: vd}.Handle(ctx, vendorcmd.For[vendor.MakePayable]{VendorID: s.VendorID, Cmd: vendor.MakePayable{SubOrderID: s.ID}},
			Meta(SettlementName, cause, "earning payable "+string(s.ID)))
		if err != nil && !e.warn(ctx, err, "vendor earning not made payable", "order_id", o.ID(), "vendor_id", s.VendorID) {
			return fmt.Errorf("earning of %s payable: %w", s.ID, err)
		}
	}
	if a := o.AffiliateID(); a != "" {
		_, err := affcmd.MakePayable{Deps: affcmd.Deps{Exec: e.Exec, Now: e.Now}}.Handle(ctx, affcmd.For[affiliate.MakePayable]{AffiliateID: a,
			Cmd: affiliate.MakePayable{OrderID: o.ID()}}, Meta(SettlementName, cause, "commission payable"))
		if err != nil && !e.warn(ctx, err, "affiliate commission not made payable", "order_id", o.ID(), "affiliate_id", a) {
			return fmt.Errorf("commission of %s payable: %w", a, err)
		}
	}
	if !o.Totals().Cashback.IsPositive() {
		return nil
	}
	wid := e.WalletOf(o.Customer())
	l, err := e.ledger(ctx, wid)
	if err != nil {
		return err
	}
	for _, c := range l.cashbacks {
		if c.order != o.ID() || c.status != wallet.CashbackWaiting {
			continue
		}
		_, err := walletcmd.ReleaseCashback{Deps: walletcmd.Deps{Exec: e.Exec, Now: e.Now}}.Handle(ctx, walletcmd.For[wallet.ReleaseCashback]{WalletID: wid,
			Cmd: wallet.ReleaseCashback{Reference: c.ref}}, Meta(SettlementName, cause, "release cashback "+c.ref))
		if err != nil && !e.warn(ctx, err, "cashback not released", "order_id", o.ID(), "wallet_id", wid) {
			return fmt.Errorf("release cashback %s: %w", c.ref, err)
		}
	}
	return nil
}

// account is an affiliate that keeps its first link and the commission
// booked per order: domain/affiliate has no accessors for them.
type account struct {
	*affiliate.Affiliate
	first       string
	commissions map[domain.OrderID]domain.Money
}

func (a *account) Apply(ev domain.Event) {
	switch ev := ev.(type) {
	case affiliate.LinkCreated:
		if a.first == "" {
			a.first = ev.LinkID
		}
	case affiliate.OrderAttributed:
		a.commissions[ev.OrderID] = ev.Commission
	}
	a.Affiliate.Apply(ev)
}

func (e *Earnings) account(ctx context.Context, id domain.AffiliateID) (*account, error) {
	stream, err := commands.AffiliateStream(id)
	if err != nil {
		return nil, err
	}
	return load(ctx, e.Exec, stream, func() *account {
		return &account{Affiliate: affiliate.New(id), commissions: map[domain.OrderID]domain.Money{}}
	})
}

// ledger is a wallet that keeps its cashbacks: domain/wallet lists only
// the due ones.
type ledger struct {
	*wallet.Wallet
	cashbacks map[string]*cashbackEntry
}

type cashbackEntry struct {
	ref         string
	order       domain.OrderID
	amount      domain.Money
	spendableAt time.Time
	status      wallet.CashbackStatus
	reason      string
}

func (l *ledger) Apply(ev domain.Event) {
	switch ev := ev.(type) {
	case wallet.CashbackEarned:
		l.cashbacks[ev.Reference] = &cashbackEntry{ref: ev.Reference, order: ev.OrderID, amount: ev.Amount, spendableAt: ev.SpendableAt, status: wallet.CashbackWaiting}
	case wallet.CashbackReleased:
		if c := l.cashbacks[ev.Reference]; c != nil {
			c.status = wallet.CashbackSpendable
		}
	case wallet.CashbackCancelled:
		if c := l.cashbacks[ev.Reference]; c != nil {
			c.status, c.reason = wallet.CashbackWithdrawn, ev.Reason
		}
	}
	l.Wallet.Apply(ev)
}

func (e *Earnings) ledger(ctx context.Context, id domain.WalletID) (*ledger, error) {
	stream, err := commands.WalletStream(id)
	if err != nil {
		return nil, err
	}
	return load(ctx, e.Exec, stream, func() *ledger { return &ledger{Wallet: wallet.New(id), cashbacks: map[string]*cashbackEntry{}} })
}
