package process

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/souq-market/souq/commands"
	invcmd "github.com/souq-market/souq/commands/inventory"
	ordercmd "github.com/souq-market/souq/commands/order"
	paycmd "github.com/souq-market/souq/commands/payment"
	walletcmd "github.com/souq-market/souq/commands/wallet"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/eventstore"
)

// CheckoutName is the checkout manager's checkpoint key.
const CheckoutName = "process.checkout"

// Checkout drives an order from placed to confirmed or cancelled:
//
//	order.placed        → reserve every line (with an expiry), hold the wallet
//	                      part, then start the payment: a card payment through
//	                      the Gateway; cash on delivery and wallet-only orders
//	                      are confirmed at once
//	payment.captured    → mark the order paid (a capture for a cancelled
//	                      order is refunded)
//	order.paid          → commit the reservations, post the hold, confirm
//	payment.failed|cancelled, inventory.reservation_expired, insufficient
//	stock or funds      → cancel the order
//	order.cancelled     → release the reservations (restock committed ones),
//	                      void the hold (credit back a posted one), cancel the
//	                      payment or refund what it captured
//
// Every compensation hangs off order.cancelled, whoever cancelled (this
// manager, the customer, an admin), so there is one path to undo a checkout.
// Steps check the current state of the aggregates they touch, so a late or
// repeated event finds nothing left to do.
type Checkout struct {
	Deps
	Gateway paycmd.Gateway
	// ReservationTTL is how long stock is held for an unpaid order;
	// default 15 minutes.
	ReservationTTL time.Duration
	// Locate names the location a line's stock is reserved at; it must give
	// the same answer for the same line every time. Default DefaultLocation.
	Locate func(order.PricedLine) domain.LocationID
	// WalletOf names a customer's wallet; default WalletOf.
	WalletOf func(domain.CustomerID) domain.WalletID
}

// NewCheckout fills the defaults.
func NewCheckout(c Checkout) *Checkout {
	c.Deps = c.Deps.withDefaults()
	if c.ReservationTTL <= 0 {
		c.ReservationTTL = 15 * time.Minute
	}
	if c.Locate == nil {
		c.Locate = func(order.PricedLine) domain.LocationID { return DefaultLocation }
	}
	if c.WalletOf == nil {
		c.WalletOf = WalletOf
	}
	return &c
}

// Name is the checkpoint key.
func (c *Checkout) Name() string { return CheckoutName }

// Handle runs the steps for each event, in order; the first step that fails
// (not a refusal the process answers itself) fails the batch, which is then
// delivered again.
func (c *Checkout) Handle(ctx context.Context, events []eventstore.RecordedEvent) error {
	for _, r := range events {
		if !c.wants(r.Type) {
			continue
		}
		e, err := c.decode(r)
		if err != nil {
			return err
		}
		switch e := e.(type) {
		case order.Placed:
			err = c.placed(ctx, r, e)
		case order.Paid:
			err = c.paid(ctx, r)
		case order.Cancelled:
			err = c.cancelled(ctx, r)
		case payment.Captured:
			err = c.captured(ctx, r)
		case payment.Failed:
			err = c.paymentEnded(ctx, r, "payment failed: "+e.Code)
		case payment.Cancelled:
			err = c.paymentEnded(ctx, r, "payment cancelled")
		case inventory.ReservationExpired:
			err = c.expired(ctx, r, e)
		}
		if err != nil {
			return fmt.Errorf("%s: %s at %d: %w", CheckoutName, r.Type, r.Position, err)
		}
	}
	return nil
}

func (c *Checkout) wants(t string) bool {
	switch t {
	case order.TypePlaced, order.TypePaid, order.TypeCancelled, payment.TypeCaptured, payment.TypeFailed,
		payment.TypeCancelled, inventory.TypeReservationExpired:
		return true
	}
	return false
}

func (c *Checkout) order(ctx context.Context, id domain.OrderID) (*order.Order, error) {
	return loadOrder(ctx, c.Exec, id)
}

func (c *Checkout) meta(r eventstore.RecordedEvent, purpose string) commands.Meta {
	return Meta(CheckoutName, r, purpose)
}

// placed reserves, holds and starts the payment.
func (c *Checkout) placed(ctx context.Context, r eventstore.RecordedEvent, p order.Placed) error {
	o, err := c.order(ctx, p.OrderID)
	if err != nil {
		return err
	}
	if o.Status() != order.StatusPlaced {
		return nil // cancelled, or already past this step
	}
	inv := invcmd.Deps{Exec: c.Exec, Now: c.Now}
	for i, l := range p.Lines {
		_, err := invcmd.Reserve{Deps: inv}.Handle(ctx, inventory.Reserve{
			SKU: l.SKU, Location: c.Locate(l), ReservationID: ReservationID(p.OrderID, i), OrderID: p.OrderID,
			Quantity: l.Quantity, ExpiresAt: c.Now().Add(c.ReservationTTL),
		}, c.meta(r, fmt.Sprintf("reserve line %d", i)))
		if e, ok := refusal(err); ok {
			return c.cancel(ctx, r, p.OrderID, fmt.Sprintf("line %d (%s) cannot be reserved: %s", i, l.SKU, e.Code))
		}
		if err != nil {
			return fmt.Errorf("reserve line %d: %w", i, err)
		}
	}
	if p.Totals.Wallet.IsPositive() {
		_, err := walletcmd.PlaceHold{Deps: walletcmd.Deps{Exec: c.Exec, Now: c.Now}}.Handle(ctx, walletcmd.For[wallet.PlaceHold]{
			WalletID: c.WalletOf(p.CustomerID), Cmd: wallet.PlaceHold{HoldID: HoldID(p.OrderID), OrderID: p.OrderID, Amount: p.Totals.Wallet},
		}, c.meta(r, "hold wallet"))
		if e, ok := refusal(err); ok {
			return c.cancel(ctx, r, p.OrderID, "the wallet cannot cover its part: "+e.Code)
		}
		if err != nil {
			return fmt.Errorf("hold wallet: %w", err)
		}
	}
	// A cancellation that slipped in while this step reserved may have
	// been undone before these holds existed: look again, and undo them
	// here. A cancellation after this look sees them when it is handled.
	if o, err = c.order(ctx, p.OrderID); err != nil {
		return err
	}
	if o.Status() != order.StatusPlaced {
		return c.undo(ctx, r, o)
	}
	switch p.PaymentMethod {
	case order.PayByWallet:
		return c.finish(ctx, r, o)
	case order.PayOnDelivery:
		// The payment exists so that the carrier's collection captures it.
		if err := c.initiate(ctx, r, p, payment.COD); err != nil {
			return err
		}
		return c.finish(ctx, r, o)
	default:
		return c.initiate(ctx, r, p, payment.Card)
	}
}

func (c *Checkout) initiate(ctx context.Context, r eventstore.RecordedEvent, p order.Placed, m payment.Method) error {
	_, err := paycmd.Initiate{Deps: paycmd.Deps{Exec: c.Exec, Now: c.Now}, Gateway: c.Gateway}.Handle(ctx, paycmd.Initiation{
		PaymentID: PaymentID(p.OrderID), OrderID: p.OrderID, CustomerID: p.CustomerID, Method: m, Amount: p.Totals.Due,
	}, c.meta(r, "start payment"))
	if e, ok := refusal(err); ok {
		return c.cancel(ctx, r, p.OrderID, "the payment cannot start: "+e.Code)
	}
	if err != nil {
		return fmt.Errorf("start payment: %w", err)
	}
	return nil
}

// finish commits the stock, spends the hold and confirms. A reservation
// or hold that ended meanwhile (expired, released) cancels the order
// instead, which refunds what was paid.
func (c *Checkout) finish(ctx context.Context, r eventstore.RecordedEvent, o *order.Order) error {
	switch o.Status() {
	case order.StatusPlaced, order.StatusPaid:
	default:
		return nil
	}
	id := o.ID()
	inv := invcmd.Commit{Deps: invcmd.Deps{Exec: c.Exec, Now: c.Now}}
	for i, l := range o.Lines() {
		_, err := inv.Handle(ctx, invcmd.At[inventory.Commit]{SKU: l.SKU, Location: c.Locate(l), Cmd: inventory.Commit{ReservationID: ReservationID(id, i)}},
			c.meta(r, fmt.Sprintf("commit line %d", i)))
		if refusedWith(err, inventory.CodeReservationEnded, inventory.CodeReservationNotFound) {
			return c.cancel(ctx, r, id, fmt.Sprintf("the stock of line %d (%s) was no longer held", i, l.SKU))
		}
		if err != nil {
			return fmt.Errorf("commit line %d: %w", i, err)
		}
	}
	if o.Totals().Wallet.IsPositive() {
		_, err := walletcmd.PostHold{Deps: walletcmd.Deps{Exec: c.Exec, Now: c.Now}}.Handle(ctx, walletcmd.For[wallet.PostHold]{
			WalletID: c.WalletOf(o.Customer()), Cmd: wallet.PostHold{HoldID: HoldID(id)},
		}, c.meta(r, "post hold"))
		if refusedWith(err, wallet.CodeHoldEnded, wallet.CodeHoldNotFound) {
			return c.cancel(ctx, r, id, "the wallet hold was no longer pending")
		}
		if err != nil {
			return fmt.Errorf("post hold: %w", err)
		}
	}
	_, err := ordercmd.Confirm{Deps: c.orderDeps()}.Handle(ctx, ordercmd.For[order.Confirm]{OrderID: id}, c.meta(r, "confirm"))
	if refusedWith(err, order.CodeWrongStatus) {
		return nil // cancelled meanwhile: order.cancelled undoes the rest
	}
	return err
}

func (c *Checkout) orderDeps() ordercmd.Deps { return ordercmd.Deps{Exec: c.Exec, Now: c.Now} }

// cancel calls the order off; order.cancelled then undoes what was done.
func (c *Checkout) cancel(ctx context.Context, r eventstore.RecordedEvent, id domain.OrderID, reason string) error {
	c.Logger.InfoContext(ctx, "checkout cancelled", "order_id", id, "reason", reason)
	_, err := ordercmd.Cancel{Deps: c.orderDeps()}.Handle(ctx, ordercmd.For[order.Cancel]{OrderID: id, Cmd: order.Cancel{Reason: reason}}, c.meta(r, "cancel order"))
	if refusedWith(err, order.CodeAlreadyShipped) {
		c.Logger.WarnContext(ctx, "checkout could not cancel a shipped order", "order_id", id, "reason", reason)
		return nil
	}
	if err != nil {
		return fmt.Errorf("cancel order %s: %w", id, err)
	}
	return nil
}

// checkoutPayment loads the payment an event is about, and says whether it
// is a checkout's payment (one this manager started).
func (c *Checkout) checkoutPayment(ctx context.Context, r eventstore.RecordedEvent) (*payment.Payment, bool, error) {
	id := domain.PaymentID(strings.TrimPrefix(r.StreamID, "payment-"))
	if s, err := commands.PaymentStream(id); err != nil || s != r.StreamID {
		return nil, false, nil
	}
	p, err := load(ctx, c.Exec, r.StreamID, func() *payment.Payment { return payment.New(id) })
	if err != nil {
		return nil, false, err
	}
	return p, p.OrderID() != "" && PaymentID(p.OrderID()) == id, nil
}

// captured marks the order paid once the whole amount is captured.
func (c *Checkout) captured(ctx context.Context, r eventstore.RecordedEvent) error {
	p, ours, err := c.checkoutPayment(ctx, r)
	if err != nil || !ours || p.Method() != payment.Card {
		return err // cash on delivery is captured after confirmation
	}
	if p.Captured().Amount() < p.Amount().Amount() {
		return nil // partly captured so far
	}
	_, err = ordercmd.MarkPaid{Deps: c.orderDeps()}.Handle(ctx, ordercmd.For[order.MarkPaid]{OrderID: p.OrderID(),
		Cmd: order.MarkPaid{PaymentID: p.ID(), Amount: p.Amount()}}, c.meta(r, "mark paid"))
	if refusedWith(err, order.CodeWrongStatus) {
		// The order was cancelled (or completed) before the money came:
		// give it back.
		return c.refund(ctx, r, p, "order cancelled before the payment was captured")
	}
	return err
}

// paid finishes a card checkout.
func (c *Checkout) paid(ctx context.Context, r eventstore.RecordedEvent) error {
	id := domain.OrderID(strings.TrimPrefix(r.StreamID, "order-"))
	o, err := c.order(ctx, id)
	if err != nil {
		return err
	}
	return c.finish(ctx, r, o)
}

// paymentEnded cancels an order whose payment failed or was cancelled
// before it was confirmed.
func (c *Checkout) paymentEnded(ctx context.Context, r eventstore.RecordedEvent, reason string) error {
	p, ours, err := c.checkoutPayment(ctx, r)
	if err != nil || !ours {
		return err
	}
	o, err := c.order(ctx, p.OrderID())
	if err != nil {
		return err
	}
	if o.Status() != order.StatusPlaced {
		return nil
	}
	return c.cancel(ctx, r, o.ID(), reason)
}

// expired cancels the order whose stock hold ran out before it was paid.
func (c *Checkout) expired(ctx context.Context, r eventstore.RecordedEvent, e inventory.ReservationExpired) error {
	a, err := load(ctx, c.Exec, r.StreamID, func() *inventory.Inventory { return inventory.New(e.SKU, e.Location) })
	if err != nil {
		return err
	}
	res, ok := a.Reservation(e.ReservationID)
	if !ok {
		return nil
	}
	o, err := c.order(ctx, res.OrderID)
	if _, ok := refusal(err); ok {
		return nil // not an order of ours
	}
	if err != nil {
		return err
	}
	switch o.Status() {
	case order.StatusPlaced, order.StatusPaid:
		return c.cancel(ctx, r, o.ID(), "the stock hold expired before the order was paid")
	}
	return nil
}

// cancelled undoes a checkout.
func (c *Checkout) cancelled(ctx context.Context, r eventstore.RecordedEvent) error {
	o, err := c.order(ctx, domain.OrderID(strings.TrimPrefix(r.StreamID, "order-")))
	if err != nil {
		return err
	}
	return c.undo(ctx, r, o)
}

// undo releases, voids and cancels or refunds what a checkout of a
// cancelled order holds; every step tolerates what never happened.
func (c *Checkout) undo(ctx context.Context, r eventstore.RecordedEvent, o *order.Order) error {
	if o.Status() != order.StatusCancelled {
		return nil
	}
	id := o.ID()
	inv := invcmd.Deps{Exec: c.Exec, Now: c.Now}
	for i, l := range o.Lines() {
		loc := c.Locate(l)
		_, err := invcmd.Release{Deps: inv}.Handle(ctx, invcmd.At[inventory.Release]{SKU: l.SKU, Location: loc,
			Cmd: inventory.Release{ReservationID: ReservationID(id, i), Reason: "order cancelled"}}, c.meta(r, fmt.Sprintf("release line %d", i)))
		switch {
		case refusedWith(err, inventory.CodeReservationNotFound):
			// never reserved
		case refusedWith(err, inventory.CodeReservationEnded):
			// committed: the units left on hand, put them back
			_, err = invcmd.Receive{Deps: inv}.Handle(ctx, inventory.Receive{SKU: l.SKU, Location: loc, Quantity: l.Quantity},
				c.meta(r, fmt.Sprintf("restock line %d", i)))
			if err != nil {
				return fmt.Errorf("restock line %d: %w", i, err)
			}
		case err != nil:
			return fmt.Errorf("release line %d: %w", i, err)
		}
	}
	if o.Totals().Wallet.IsPositive() {
		wd := walletcmd.Deps{Exec: c.Exec, Now: c.Now}
		wid := c.WalletOf(o.Customer())
		_, err := walletcmd.VoidHold{Deps: wd}.Handle(ctx, walletcmd.For[wallet.VoidHold]{WalletID: wid, Cmd: wallet.VoidHold{HoldID: HoldID(id)}}, c.meta(r, "void hold"))
		switch {
		case refusedWith(err, wallet.CodeHoldNotFound, wallet.CodeNotOpened):
		case refusedWith(err, wallet.CodeHoldEnded):
			// posted: the money was spent on the order, credit it back
			_, err = walletcmd.Credit{Deps: wd}.Handle(ctx, walletcmd.For[wallet.Credit]{WalletID: wid, Cmd: wallet.Credit{
				Reference: derived(id, ":wallet:refund"), Source: wallet.SourceRefund, Amount: o.Totals().Wallet}}, c.meta(r, "refund wallet"))
			if err != nil {
				return fmt.Errorf("refund the wallet part: %w", err)
			}
		case err != nil:
			return fmt.Errorf("void hold: %w", err)
		}
	}
	if o.Totals().Due.IsZero() {
		return nil
	}
	pid := PaymentID(id)
	stream, err := commands.PaymentStream(pid)
	if err != nil {
		return err
	}
	p, err := load(ctx, c.Exec, stream, func() *payment.Payment { return payment.New(pid) })
	if err != nil {
		return err
	}
	switch p.Status() {
	case payment.StatusNone, payment.StatusFailed, payment.StatusCancelled:
		return nil
	case payment.StatusInitiated, payment.StatusRequiresAction, payment.StatusAuthorized:
		_, err := paycmd.Cancel{Deps: paycmd.Deps{Exec: c.Exec, Now: c.Now}, Gateway: c.Gateway}.Handle(ctx,
			paycmd.For[payment.Cancel]{PaymentID: pid, Cmd: payment.Cancel{Reason: "order cancelled"}}, c.meta(r, "cancel payment"))
		if err != nil {
			// Captured meanwhile: the redelivery refunds it.
			return fmt.Errorf("cancel payment: %w", err)
		}
		return nil
	}
	return c.refund(ctx, r, p, "order cancelled")
}

// refund gives back what a payment captured and nobody refunded yet. The
// refund ID is the payment's, so the two paths that may ask (order.cancelled
// and a late capture) ask once.
func (c *Checkout) refund(ctx context.Context, r eventstore.RecordedEvent, p *payment.Payment, reason string) error {
	amount := p.Refundable()
	if !amount.IsPositive() {
		return nil
	}
	_, err := paycmd.Refund{Deps: paycmd.Deps{Exec: c.Exec, Now: c.Now}, Gateway: c.Gateway}.Handle(ctx, paycmd.For[payment.Refund]{
		PaymentID: p.ID(), Cmd: payment.Refund{RefundID: derived(p.OrderID(), ":pay:refund"), Amount: amount, Reason: reason},
	}, c.meta(r, "refund payment"))
	if refusedWith(err, payment.CodeRefundReused) {
		return nil // the other path refunded first
	}
	if err != nil {
		return fmt.Errorf("refund payment %s: %w", p.ID(), err)
	}
	return nil
}
