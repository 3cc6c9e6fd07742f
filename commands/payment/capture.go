package payment

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/payment"
)

// Capture records money taken: a card capture, a wallet hold posted, or cash a carrier collected (a webhook or the delivery event).
type Capture struct{ Deps }

// Handle runs the command.
func (h Capture) Handle(ctx context.Context, cmd For[payment.Capture], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, fromProvider(meta, cmd.PaymentID, cmd.Cmd.Event.EventID), cmd.PaymentID, func(a *payment.Payment, now time.Time) error {
		return a.Capture(cmd.Cmd, now)
	})
}
