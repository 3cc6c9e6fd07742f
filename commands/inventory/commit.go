package inventory

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/inventory"
)

// Commit turns a hold into a sale: its units leave on hand.
type Commit struct{ Deps }

// Handle runs the command.
func (h Commit) Handle(ctx context.Context, cmd At[inventory.Commit], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.SKU, cmd.Location, func(a *inventory.Inventory, now time.Time) error {
		return a.Commit(cmd.Cmd, now)
	})
}
