package affiliate

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/affiliate"
)

// Registration opens an affiliate account for an influencer, with its
// first link when Link is set: both land in one append, so an account is
// never left without the link it was opened for.
type Registration struct {
	Register affiliate.Register
	Link     *affiliate.CreateLink
}

// Register opens an affiliate account at a commission rate (staff decide
// the rate), and its first link.
type Register struct{ Deps }

// Handle runs the command.
func (h Register) Handle(ctx context.Context, cmd For[Registration], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.AffiliateID, func(a *affiliate.Affiliate, now time.Time) error {
		if err := a.Register(cmd.Cmd.Register, now); err != nil {
			return err
		}
		if cmd.Cmd.Link == nil {
			return nil
		}
		return a.CreateLink(*cmd.Cmd.Link, now)
	})
}
