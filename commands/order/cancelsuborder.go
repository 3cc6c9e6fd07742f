package order

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/order"
)

// CancelSubOrder cancels a vendor's part before it ships; the last one cancels the order.
type CancelSubOrder struct{ Deps }

// Handle runs the command.
func (h CancelSubOrder) Handle(ctx context.Context, cmd For[order.CancelSubOrder], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.OrderID, func(a *order.Order, now time.Time) error {
		return a.CancelSubOrder(cmd.Cmd, now)
	})
}
