package review

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/review"
)

// Codes of the refusals Write decides from the order.
const (
	CodeOrderNotFound = "review.order_not_found"
	CodeNotYourOrder  = "review.not_your_order"
	CodeNotInOrder    = "review.product_not_in_order"
)

// Rating is a customer's review of a product bought in an order.
type Rating struct {
	ProductID  domain.ProductID
	CustomerID domain.CustomerID
	OrderID    domain.OrderID
	Rating     int
	Title      string
	Body       string
}

// Write records a customer's rating (1–5) and review of a product, once per
// product and customer: the review's stream is review.IDFor(product,
// customer). The order is read to prove the purchase: it must be the
// customer's, hold the product, and the sub-order holding it must be
// delivered. Writing the same review again is a no-op; another one is
// refused.
type Write struct{ Deps }

// Handle runs the command.
func (h Write) Handle(ctx context.Context, cmd Rating, meta commands.Meta) (commands.Result, error) {
	delivered, err := h.delivered(ctx, cmd)
	if err != nil {
		return commands.Result{}, err
	}
	w := review.Write{ProductID: cmd.ProductID, CustomerID: cmd.CustomerID, OrderID: cmd.OrderID, Delivered: delivered,
		Rating: cmd.Rating, Title: cmd.Title, Body: cmd.Body}
	return h.run(ctx, meta, review.IDFor(cmd.ProductID, cmd.CustomerID), func(a *review.Review, now time.Time) error {
		return a.Write(w, now)
	})
}

// delivered says whether the product reached the customer in the order.
func (h Write) delivered(ctx context.Context, r Rating) (bool, error) {
	stream, err := commands.OrderStream(r.OrderID)
	if err != nil {
		return false, err
	}
	o, err := commands.Load(ctx, h.Exec, stream, func() *order.Order { return order.New(r.OrderID) })
	switch {
	case err != nil:
		return false, err
	case o.Version() == 0:
		return false, domain.Errorf(domain.NotFound, CodeOrderNotFound, "no order %s", r.OrderID)
	case o.Customer() != r.CustomerID:
		return false, domain.Errorf(domain.Forbidden, CodeNotYourOrder, "order %s is not %s's", r.OrderID, r.CustomerID)
	}
	vendors := map[domain.VendorID]bool{}
	for _, l := range o.Lines() {
		if l.ProductID == r.ProductID {
			vendors[l.VendorID] = true
		}
	}
	if len(vendors) == 0 {
		return false, domain.Errorf(domain.Invalid, CodeNotInOrder, "order %s holds no %s", r.OrderID, r.ProductID)
	}
	for _, s := range o.SubOrders() {
		if st, _ := o.SubStatus(s.ID); vendors[s.VendorID] && st == order.SubDelivered {
			return true, nil
		}
	}
	return false, nil
}
