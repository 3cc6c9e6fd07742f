package order

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/order"
)

// DeliverSubOrder records a sub-order's delivery; the last one delivers the order.
type DeliverSubOrder struct{ Deps }

// Handle runs the command.
func (h DeliverSubOrder) Handle(ctx context.Context, cmd For[order.DeliverSubOrder], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.OrderID, func(a *order.Order, now time.Time) error {
		return a.DeliverSubOrder(cmd.Cmd, now)
	})
}
