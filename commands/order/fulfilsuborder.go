package order

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/order"
)

// FulfilSubOrder records that a vendor packed its part.
type FulfilSubOrder struct{ Deps }

// Handle runs the command.
func (h FulfilSubOrder) Handle(ctx context.Context, cmd For[order.FulfilSubOrder], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.OrderID, func(a *order.Order, now time.Time) error {
		return a.FulfilSubOrder(cmd.Cmd, now)
	})
}
