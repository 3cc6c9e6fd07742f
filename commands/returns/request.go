package returns

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/returns"
)

// Codes of the refusals Request decides from the order.
const (
	CodeOrderNotFound = "return.order_not_found"
	CodeNotYourOrder  = "return.not_your_order"
	CodeNotDelivered  = "return.order_not_delivered"
	CodeNotInOrder    = "return.item_not_in_sub_order"
	CodeTooMany       = "return.quantity_exceeds_order"
	CodeSubOrderGone  = "return.sub_order_not_found"
)

// Item is a SKU and how many of its units go back.
type Item struct {
	SKU      domain.SKU
	Quantity int64
}

// Request asks to send items of one sub-order back. The customer names
// items and quantities; everything else comes from the order: the vendor,
// the value of each item (what was paid for those units, their share of
// the line after discount) and the window, which closes the order's return
// window after delivery. CustomerID is who asks; empty when staff ask for
// the order's customer.
type Request struct {
	OrderID    domain.OrderID
	SubOrderID domain.SubOrderID
	CustomerID domain.CustomerID
	Items      []Item
	Reason     returns.Reason
	Comment    string
}

// RequestReturn opens a return. The same request again is a no-op; another
// request under the same return ID is refused.
//
// Limit: each return is checked against the order alone, so two returns
// may each claim the same units; refunds stay bounded by each return's
// value and by what the payment captured.
type RequestReturn struct{ Deps }

// Handle runs the command.
func (h RequestReturn) Handle(ctx context.Context, cmd For[Request], meta commands.Meta) (commands.Result, error) {
	req, err := h.price(ctx, cmd.Cmd)
	if err != nil {
		return commands.Result{}, err
	}
	return h.run(ctx, meta, cmd.ReturnID, func(a *returns.Return, now time.Time) error {
		return a.Request(req, now)
	})
}

// price turns the customer's request into the domain's, from the order.
func (h RequestReturn) price(ctx context.Context, r Request) (returns.Request, error) {
	stream, err := commands.OrderStream(r.OrderID)
	if err != nil {
		return returns.Request{}, err
	}
	o, err := commands.Load(ctx, h.Exec, stream, func() *order.Order { return order.New(r.OrderID) })
	switch {
	case err != nil:
		return returns.Request{}, err
	case o.Version() == 0:
		return returns.Request{}, domain.Errorf(domain.NotFound, CodeOrderNotFound, "no order %s", r.OrderID)
	case r.CustomerID != "" && r.CustomerID != o.Customer():
		return returns.Request{}, domain.Errorf(domain.Forbidden, CodeNotYourOrder, "order %s is not yours", r.OrderID)
	case o.ReturnWindowEnds().IsZero():
		return returns.Request{}, domain.Errorf(domain.Conflict, CodeNotDelivered, "order %s is %s; returns open on delivery", r.OrderID, o.Status())
	}
	var sub order.SubOrder
	for _, s := range o.SubOrders() {
		if s.ID == r.SubOrderID {
			sub = s
		}
	}
	if sub.ID == "" {
		return returns.Request{}, domain.Errorf(domain.NotFound, CodeSubOrderGone, "order %s has no sub-order %s", r.OrderID, r.SubOrderID)
	}
	lines := map[domain.SKU]order.PricedLine{}
	for _, l := range o.Lines() {
		if l.VendorID == sub.VendorID {
			lines[l.SKU] = l
		}
	}
	out := returns.Request{OrderID: r.OrderID, SubOrderID: r.SubOrderID, CustomerID: o.Customer(), VendorID: sub.VendorID,
		Reason: r.Reason, Comment: r.Comment, WindowEnds: o.ReturnWindowEnds()}
	for i, it := range r.Items {
		l, ok := lines[it.SKU]
		switch {
		case !ok:
			return returns.Request{}, domain.Errorf(domain.Invalid, CodeNotInOrder, "items[%d]: %s is not in sub-order %s", i, it.SKU, r.SubOrderID)
		case it.Quantity > l.Quantity:
			return returns.Request{}, domain.Errorf(domain.Invalid, CodeTooMany, "items[%d]: %d of %s returned, %d bought", i, it.Quantity, it.SKU, l.Quantity)
		}
		value := l.Total
		if it.Quantity > 0 { // a bad quantity is the domain's to report, with the others
			paid, err := l.Total.Sub(l.Discount)
			if err != nil {
				return returns.Request{}, err
			}
			parts, err := paid.Allocate(it.Quantity, l.Quantity-it.Quantity)
			if err != nil {
				return returns.Request{}, domain.Errorf(domain.Invalid, CodeTooMany, "items[%d]: %v", i, err)
			}
			value = parts[0]
		}
		out.Items = append(out.Items, returns.Item{SKU: it.SKU, Quantity: it.Quantity, Value: value})
	}
	return out, nil
}
