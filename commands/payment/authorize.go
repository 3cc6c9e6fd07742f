package payment

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/payment"
)

// Authorize records the provider's authorization of the full amount (a webhook).
type Authorize struct{ Deps }

// Handle runs the command.
func (h Authorize) Handle(ctx context.Context, cmd For[payment.Authorize], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, fromProvider(meta, cmd.PaymentID, cmd.Cmd.Event.EventID), cmd.PaymentID, func(a *payment.Payment, now time.Time) error {
		return a.Authorize(cmd.Cmd, now)
	})
}
