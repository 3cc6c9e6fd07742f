package order

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/order"
)

// Confirm opens fulfilment once the order is paid, pays on delivery, or is covered by the wallet.
type Confirm struct{ Deps }

// Handle runs the command.
func (h Confirm) Handle(ctx context.Context, cmd For[order.Confirm], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.OrderID, func(a *order.Order, now time.Time) error {
		return a.Confirm(cmd.Cmd, now)
	})
}
