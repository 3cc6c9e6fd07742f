package inventory

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/inventory"
)

// Expire ends a hold whose expiry has passed.
type Expire struct{ Deps }

// Handle runs the command.
func (h Expire) Handle(ctx context.Context, cmd At[inventory.Expire], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.SKU, cmd.Location, func(a *inventory.Inventory, now time.Time) error {
		return a.Expire(cmd.Cmd, now)
	})
}
