package affiliate

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/affiliate"
)

// RecordClick counts one visit through a link. Each click is its own command: a client retrying one sends the same command ID (Idempotency-Key) and it counts once.
type RecordClick struct{ Deps }

// Handle runs the command.
func (h RecordClick) Handle(ctx context.Context, cmd For[affiliate.RecordClick], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.AffiliateID, func(a *affiliate.Affiliate, now time.Time) error {
		return a.RecordClick(cmd.Cmd, now)
	})
}
