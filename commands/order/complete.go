package order

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/order"
)

// Complete closes a delivered order once its return window has passed.
type Complete struct{ Deps }

// Handle runs the command.
func (h Complete) Handle(ctx context.Context, cmd For[order.Complete], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.OrderID, func(a *order.Order, now time.Time) error {
		return a.Complete(cmd.Cmd, now)
	})
}
