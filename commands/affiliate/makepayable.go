package affiliate

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/affiliate"
)

// MakePayable makes a commission payable once its order's return window has passed.
type MakePayable struct{ Deps }

// Handle runs the command.
func (h MakePayable) Handle(ctx context.Context, cmd For[affiliate.MakePayable], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.AffiliateID, func(a *affiliate.Affiliate, now time.Time) error {
		return a.MakePayable(cmd.Cmd, now)
	})
}
