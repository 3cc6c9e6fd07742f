package inventory

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/inventory"
)

// Reserve holds units for an order until its expiry; available never goes below zero, because each reservation decides on the stock at an exact revision.
type Reserve struct{ Deps }

// Handle runs the command.
func (h Reserve) Handle(ctx context.Context, cmd inventory.Reserve, meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.SKU, cmd.Location, func(a *inventory.Inventory, now time.Time) error {
		return a.Reserve(cmd, now)
	})
}
