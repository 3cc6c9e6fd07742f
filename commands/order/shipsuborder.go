package order

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/order"
)

// ShipSubOrder records that the carrier took a sub-order's parcel.
type ShipSubOrder struct{ Deps }

// Handle runs the command.
func (h ShipSubOrder) Handle(ctx context.Context, cmd For[order.ShipSubOrder], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.OrderID, func(a *order.Order, now time.Time) error {
		return a.ShipSubOrder(cmd.Cmd, now)
	})
}
