package inventory

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/inventory"
)

// Adjust corrects on hand after a count, never below what is reserved.
type Adjust struct{ Deps }

// Handle runs the command.
func (h Adjust) Handle(ctx context.Context, cmd inventory.Adjust, meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.SKU, cmd.Location, func(a *inventory.Inventory, now time.Time) error {
		return a.Adjust(cmd, now)
	})
}
