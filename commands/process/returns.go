package process

import (
	"context"
	"fmt"
	"strings"

	"github.com/souq-market/souq/commands"
	invcmd "github.com/souq-market/souq/commands/inventory"
	paycmd "github.com/souq-market/souq/commands/payment"
	retcmd "github.com/souq-market/souq/commands/returns"
	walletcmd "github.com/souq-market/souq/commands/wallet"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/returns"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/eventstore"
)

// ReturnsName is the returns-and-refunds manager's checkpoint key.
const ReturnsName = "process.returns"

// Returns pays approved returns back and puts received goods back on sale:
//
//	return.approved → refund the items' value: to card, through the order's
//	                  card payment (the gateway first) for as much as it
//	                  still holds and the rest to the wallet; to wallet, a
//	                  wallet credit; then the return is marked refunded
//	return.received → the goods that go back to stock are received at the
//	                  location their line was reserved at
//
// An order paid on delivery or from the wallet has no card to refund to:
// its refund goes to the wallet whatever the destination approved.
type Returns struct {
	Deps
	Gateway paycmd.Gateway
	// Locate names the location a line's stock is received back at; the
	// checkout's rule. Default DefaultLocation.
	Locate func(order.PricedLine) domain.LocationID
	// WalletOf names a customer's wallet; default WalletOf.
	WalletOf func(domain.CustomerID) domain.WalletID
}

// NewReturns fills the defaults.
func NewReturns(r Returns) *Returns {
	r.Deps = r.Deps.withDefaults()
	if r.Locate == nil {
		r.Locate = func(order.PricedLine) domain.LocationID { return DefaultLocation }
	}
	if r.WalletOf == nil {
		r.WalletOf = WalletOf
	}
	return &r
}

// Name is the checkpoint key.
func (m *Returns) Name() string { return ReturnsName }

// RefundID names the refund of a return, on the payment, the wallet and
// the return alike.
func RefundID(ret domain.ReturnID) string { return derive(string(ret), ":refund") }

// Handle runs the steps for each event, in order.
func (m *Returns) Handle(ctx context.Context, events []eventstore.RecordedEvent) error {
	for _, r := range events {
		if r.Type != returns.TypeApproved && r.Type != returns.TypeReceived {
			continue
		}
		id := domain.ReturnID(strings.TrimPrefix(r.StreamID, "return-"))
		if s, err := commands.ReturnStream(id); err != nil || s != r.StreamID {
			continue
		}
		ret, err := load(ctx, m.Exec, r.StreamID, func() *returns.Return { return returns.New(id) })
		if err != nil {
			return err
		}
		switch r.Type {
		case returns.TypeApproved:
			err = m.refund(ctx, r, ret)
		case returns.TypeReceived:
			var e domain.Event
			if e, err = m.decode(r); err == nil {
				if rc, ok := e.(returns.Received); ok && rc.Restock {
					err = m.restock(ctx, r, ret)
				}
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %s at %d: %w", ReturnsName, r.Type, r.Position, err)
		}
	}
	return nil
}

// charge is a payment that keeps its refunds by ID: domain/payment has no
// accessor for them.
type charge struct {
	*payment.Payment
	refunds map[string]domain.Money
}

func (c *charge) Apply(e domain.Event) {
	if r, ok := e.(payment.Refunded); ok {
		c.refunds[r.RefundID] = r.Amount
	}
	c.Payment.Apply(e)
}

func (m *Returns) refund(ctx context.Context, r eventstore.RecordedEvent, ret *returns.Return) error {
	if ret.Status() != returns.StatusApproved {
		return nil
	}
	value, rid := ret.Total(), RefundID(ret.ID())
	if ret.Refunded() == value {
		return nil
	}
	o, err := loadOrder(ctx, m.Exec, ret.Order())
	if err != nil {
		return err
	}
	toWallet := value
	if ret.RefundTo() == returns.ToCard && o.PaymentMethod() == order.PayByCard {
		card, err := m.cardRefund(ctx, r, o, rid, value)
		if err != nil {
			return err
		}
		if toWallet, err = value.Sub(card); err != nil {
			return err
		}
	}
	if toWallet.IsPositive() {
		wd := walletcmd.Deps{Exec: m.Exec, Now: m.Now}
		wid := m.WalletOf(ret.Customer())
		if _, err := (walletcmd.Open{Deps: wd}).Handle(ctx, walletcmd.For[wallet.Open]{WalletID: wid, Cmd: wallet.Open{CustomerID: ret.Customer(), Currency: toWallet.Currency()}},
			Meta(ReturnsName, r, "open wallet")); err != nil {
			return fmt.Errorf("open wallet %s: %w", wid, err)
		}
		if _, err := (walletcmd.Credit{Deps: wd}).Handle(ctx, walletcmd.For[wallet.Credit]{WalletID: wid, Cmd: wallet.Credit{Reference: rid, Source: wallet.SourceRefund, Amount: toWallet}},
			Meta(ReturnsName, r, "refund to wallet")); err != nil {
			return fmt.Errorf("refund %v to wallet %s: %w", toWallet, wid, err)
		}
	}
	_, err = retcmd.Refund{Deps: retcmd.Deps{Exec: m.Exec, Now: m.Now}}.Handle(ctx, retcmd.For[returns.Refund]{ReturnID: ret.ID(),
		Cmd: returns.Refund{RefundID: rid, Amount: value}}, Meta(ReturnsName, r, "mark refunded"))
	if err != nil {
		return fmt.Errorf("mark %s refunded: %w", ret.ID(), err)
	}
	return nil
}

// cardRefund refunds up to value on the order's card payment and returns
// how much. The amount is decided once: a redelivery finds the refund under
// its ID and takes its amount, never a smaller one from what is left.
func (m *Returns) cardRefund(ctx context.Context, r eventstore.RecordedEvent, o *order.Order, rid string, value domain.Money) (domain.Money, error) {
	pid := PaymentID(o.ID())
	stream, err := commands.PaymentStream(pid)
	if err != nil {
		return domain.Money{}, err
	}
	p, err := load(ctx, m.Exec, stream, func() *charge { return &charge{Payment: payment.New(pid), refunds: map[string]domain.Money{}} })
	if err != nil {
		return domain.Money{}, err
	}
	if done, ok := p.refunds[rid]; ok {
		return done, nil
	}
	amount := value
	if left := p.Refundable(); left.Currency() != value.Currency() || left.Amount() < value.Amount() {
		if left.Currency() != value.Currency() || !left.IsPositive() {
			return domain.Zero(value.Currency())
		}
		amount = left
	}
	_, err = paycmd.Refund{Deps: paycmd.Deps{Exec: m.Exec, Now: m.Now}, Gateway: m.Gateway}.Handle(ctx, paycmd.For[payment.Refund]{PaymentID: pid,
		Cmd: payment.Refund{RefundID: rid, Amount: amount, Reason: "return approved"}}, Meta(ReturnsName, r, "refund to card"))
	if err != nil {
		return domain.Money{}, fmt.Errorf("refund %v on %s: %w", amount, pid, err)
	}
	return amount, nil
}

// restock receives the returned units back where their line was reserved.
func (m *Returns) restock(ctx context.Context, r eventstore.RecordedEvent, ret *returns.Return) error {
	o, err := loadOrder(ctx, m.Exec, ret.Order())
	if err != nil {
		return err
	}
	lines := map[domain.SKU]order.PricedLine{}
	for _, l := range o.Lines() {
		lines[l.SKU] = l
	}
	for _, it := range ret.Items() {
		line, ok := lines[it.SKU]
		if !ok {
			line = order.PricedLine{SKU: it.SKU}
		}
		_, err := invcmd.Receive{Deps: invcmd.Deps{Exec: m.Exec, Now: m.Now}}.Handle(ctx, inventory.Receive{SKU: it.SKU, Location: m.Locate(line), Quantity: it.Quantity},
			Meta(ReturnsName, r, "restock "+string(it.SKU)))
		if err != nil {
			return fmt.Errorf("restock %s: %w", it.SKU, err)
		}
	}
	return nil
}
