package inventory

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/inventory"
)

// Release gives a hold back (payment failed, order cancelled).
type Release struct{ Deps }

// Handle runs the command.
func (h Release) Handle(ctx context.Context, cmd At[inventory.Release], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.SKU, cmd.Location, func(a *inventory.Inventory, now time.Time) error {
		return a.Release(cmd.Cmd, now)
	})
}
