package payment

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/payment"
)

// RequireAction records that the provider asks the customer to act (3-D Secure).
type RequireAction struct{ Deps }

// Handle runs the command.
func (h RequireAction) Handle(ctx context.Context, cmd For[payment.RequireAction], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, fromProvider(meta, cmd.PaymentID, cmd.Cmd.Event.EventID), cmd.PaymentID, func(a *payment.Payment, now time.Time) error {
		return a.RequireAction(cmd.Cmd, now)
	})
}
