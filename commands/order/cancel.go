package order

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/order"
)

// Cancel calls the whole order off before anything shipped.
type Cancel struct{ Deps }

// Handle runs the command.
func (h Cancel) Handle(ctx context.Context, cmd For[order.Cancel], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.OrderID, func(a *order.Order, now time.Time) error {
		return a.Cancel(cmd.Cmd, now)
	})
}
