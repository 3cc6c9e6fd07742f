package shipment

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/shipment"
)

// Create records the label bought for a sub-order; creating it again identically is a retry.
type Create struct{ Deps }

// Handle runs the command.
func (h Create) Handle(ctx context.Context, cmd For[shipment.Create], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.ShipmentID, func(a *shipment.Shipment, now time.Time) error {
		return a.Create(cmd.Cmd, now)
	})
}
