package review

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/review"
)

// Moderate approves a review for the product page or rejects it with a
// reason (staff only); the moderator is recorded in the event.
type Moderate struct{ Deps }

// Handle runs the command.
func (h Moderate) Handle(ctx context.Context, cmd For[review.Moderate], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.ReviewID, func(a *review.Review, now time.Time) error {
		return a.Moderate(cmd.Cmd, now)
	})
}
