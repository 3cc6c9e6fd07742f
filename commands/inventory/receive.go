package inventory

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/inventory"
)

// Receive adds stock that arrived.
type Receive struct{ Deps }

// Handle runs the command.
func (h Receive) Handle(ctx context.Context, cmd inventory.Receive, meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.SKU, cmd.Location, func(a *inventory.Inventory, now time.Time) error {
		return a.Receive(cmd, now)
	})
}
