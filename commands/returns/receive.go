package returns

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/returns"
)

// Receive records the goods back at the vendor, and whether they go back into stock.
type Receive struct{ Deps }

// Handle runs the command.
func (h Receive) Handle(ctx context.Context, cmd For[returns.Receive], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.ReturnID, func(a *returns.Return, now time.Time) error {
		return a.Receive(cmd.Cmd, now)
	})
}
