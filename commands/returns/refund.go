package returns

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/returns"
)

// Refund records money refunded for an approved return, never more than its value; the refunds process calls it after the payment or wallet refund, with the same refund ID.
type Refund struct{ Deps }

// Handle runs the command.
func (h Refund) Handle(ctx context.Context, cmd For[returns.Refund], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.ReturnID, func(a *returns.Return, now time.Time) error {
		return a.Refund(cmd.Cmd, now)
	})
}
