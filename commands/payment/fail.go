package payment

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/payment"
)

// Fail ends an attempt that took no money (a provider decline, or souq giving up).
type Fail struct{ Deps }

// Handle runs the command.
func (h Fail) Handle(ctx context.Context, cmd For[payment.Fail], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, fromProvider(meta, cmd.PaymentID, cmd.Cmd.Event.EventID), cmd.PaymentID, func(a *payment.Payment, now time.Time) error {
		return a.Fail(cmd.Cmd, now)
	})
}
