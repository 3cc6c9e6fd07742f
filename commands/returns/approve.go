package returns

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/returns"
)

// Approve accepts a requested return and says where its refund goes (card or wallet).
type Approve struct{ Deps }

// Handle runs the command.
func (h Approve) Handle(ctx context.Context, cmd For[returns.Approve], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.ReturnID, func(a *returns.Return, now time.Time) error {
		return a.Approve(cmd.Cmd, now)
	})
}
