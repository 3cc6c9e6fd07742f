package returns

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/returns"
)

// Reject refuses a requested return with a reason.
type Reject struct{ Deps }

// Handle runs the command.
func (h Reject) Handle(ctx context.Context, cmd For[returns.Reject], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.ReturnID, func(a *returns.Return, now time.Time) error {
		return a.Reject(cmd.Cmd, now)
	})
}
