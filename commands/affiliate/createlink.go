package affiliate

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/affiliate"
)

// CreateLink gives an affiliate another link with its code (3–32 letters and digits, unique within the affiliate).
type CreateLink struct{ Deps }

// Handle runs the command.
func (h CreateLink) Handle(ctx context.Context, cmd For[affiliate.CreateLink], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.AffiliateID, func(a *affiliate.Affiliate, now time.Time) error {
		return a.CreateLink(cmd.Cmd, now)
	})
}
