package affiliate

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/affiliate"
	"github.com/souq-market/souq/domain/order"
)

// Codes of the refusals AttributeOrder decides from the order.
const (
	CodeOrderNotFound     = "affiliate.order_not_found"
	CodeOtherAffiliate    = "affiliate.order_of_another_affiliate"
	CodeOrderNotDelivered = "affiliate.order_not_delivered"
)

// Attribution credits a delivered order placed through one of the
// affiliate's links.
type Attribution struct {
	OrderID domain.OrderID
	LinkID  string
}

// AttributeOrder books the affiliate's commission on an order placed with
// its ID. It reads the order: the order must name this affiliate and be
// delivered; the base is the goods after discount (the base of vendor
// commissions too) and the commission is payable when the order's return
// window ends. Attributing the same order again is a no-op.
type AttributeOrder struct{ Deps }

// Handle runs the command.
func (h AttributeOrder) Handle(ctx context.Context, cmd For[Attribution], meta commands.Meta) (commands.Result, error) {
	stream, err := commands.OrderStream(cmd.Cmd.OrderID)
	if err != nil {
		return commands.Result{}, err
	}
	o, err := commands.Load(ctx, h.Exec, stream, func() *order.Order { return order.New(cmd.Cmd.OrderID) })
	switch {
	case err != nil:
		return commands.Result{}, err
	case o.Version() == 0:
		return commands.Result{}, domain.Errorf(domain.NotFound, CodeOrderNotFound, "no order %s", cmd.Cmd.OrderID)
	case o.AffiliateID() != cmd.AffiliateID:
		return commands.Result{}, domain.Errorf(domain.Conflict, CodeOtherAffiliate, "order %s was not placed through affiliate %s", cmd.Cmd.OrderID, cmd.AffiliateID)
	case o.ReturnWindowEnds().IsZero():
		return commands.Result{}, domain.Errorf(domain.Conflict, CodeOrderNotDelivered, "order %s is %s, not delivered", cmd.Cmd.OrderID, o.Status())
	}
	t := o.Totals()
	base, err := t.Subtotal.Sub(t.Discount)
	if err != nil {
		return commands.Result{}, err
	}
	return h.run(ctx, meta, cmd.AffiliateID, func(a *affiliate.Affiliate, now time.Time) error {
		return a.AttributeOrder(affiliate.AttributeOrder{OrderID: cmd.Cmd.OrderID, LinkID: cmd.Cmd.LinkID, Base: base, PayableAt: o.ReturnWindowEnds()}, now)
	})
}
