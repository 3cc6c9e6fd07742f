package payment

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/payment"
)

// Chargeback records a dispute lost: the bank took money back.
type Chargeback struct{ Deps }

// Handle runs the command.
func (h Chargeback) Handle(ctx context.Context, cmd For[payment.Chargeback], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, fromProvider(meta, cmd.PaymentID, cmd.Cmd.Event.EventID), cmd.PaymentID, func(a *payment.Payment, now time.Time) error {
		return a.Chargeback(cmd.Cmd, now)
	})
}
