package order

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/order"
)

// MarkPaid records that the amount due was captured.
type MarkPaid struct{ Deps }

// Handle runs the command.
func (h MarkPaid) Handle(ctx context.Context, cmd For[order.MarkPaid], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.OrderID, func(a *order.Order, now time.Time) error {
		return a.MarkPaid(cmd.Cmd, now)
	})
}
