package affiliate

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/affiliate"
)

// ReverseCommission takes back part of a commission not yet payable, after a return or a cancellation.
type ReverseCommission struct{ Deps }

// Handle runs the command.
func (h ReverseCommission) Handle(ctx context.Context, cmd For[affiliate.ReverseCommission], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.AffiliateID, func(a *affiliate.Affiliate, now time.Time) error {
		return a.ReverseCommission(cmd.Cmd, now)
	})
}
