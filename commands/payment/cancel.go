package payment

import (
	"context"
	"fmt"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/payment"
)

// Cancel abandons an attempt or voids its authorization, before capture.
// When souq cancels (no provider event) a card payment, the gateway voids it
// first, keyed by the payment; a cancellation reported by the provider's
// webhook is only recorded.
type Cancel struct {
	Deps
	Gateway Gateway
}

// Handle runs the command.
func (h Cancel) Handle(ctx context.Context, cmd For[payment.Cancel], meta commands.Meta) (commands.Result, error) {
	meta = fromProvider(meta, cmd.PaymentID, cmd.Cmd.Event.EventID)
	if cmd.Cmd.Event.EventID == "" {
		p, err := h.dryRun(ctx, cmd.PaymentID, func(a *payment.Payment, now time.Time) error { return a.Cancel(cmd.Cmd, now) })
		if err != nil {
			return commands.Result{}, err
		}
		if len(p.Changes()) > 0 && p.Method() == payment.Card {
			if err := h.Gateway.Cancel(ctx, CancelRequest{Key: string(cmd.PaymentID) + ":cancel", ProviderRef: p.ProviderRef(), Reason: cmd.Cmd.Reason}); err != nil {
				return commands.Result{}, fmt.Errorf("payment: cancel %s at the provider: %w", cmd.PaymentID, err)
			}
		}
	}
	return h.run(ctx, meta, cmd.PaymentID, func(a *payment.Payment, now time.Time) error {
		return a.Cancel(cmd.Cmd, now)
	})
}
