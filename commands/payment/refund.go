package payment

import (
	"context"
	"fmt"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/payment"
)

// Refund returns captured money, never more than captured minus what was
// refunded or charged back. When souq asks for it (no provider event yet) on
// a card payment, the gateway refunds first, keyed by the refund ID; if
// recording then fails, the same command again gets the provider's first
// answer and records it. A refund reported by the provider's webhook (with
// its event ID) is only recorded.
type Refund struct {
	Deps
	Gateway Gateway
}

// Handle runs the command.
func (h Refund) Handle(ctx context.Context, cmd For[payment.Refund], meta commands.Meta) (commands.Result, error) {
	meta = fromProvider(meta, cmd.PaymentID, cmd.Cmd.Event.EventID)
	if cmd.Cmd.Event.EventID == "" {
		p, err := h.dryRun(ctx, cmd.PaymentID, func(a *payment.Payment, now time.Time) error { return a.Refund(cmd.Cmd, now) })
		if err != nil {
			return commands.Result{}, err
		}
		if len(p.Changes()) > 0 && p.Method() == payment.Card {
			if err := h.Gateway.Refund(ctx, RefundRequest{Key: cmd.Cmd.RefundID, ProviderRef: p.ProviderRef(), Amount: cmd.Cmd.Amount, Reason: cmd.Cmd.Reason}); err != nil {
				return commands.Result{}, fmt.Errorf("payment: refund %s at the provider: %w", cmd.Cmd.RefundID, err)
			}
		}
	}
	return h.run(ctx, meta, cmd.PaymentID, func(a *payment.Payment, now time.Time) error {
		return a.Refund(cmd.Cmd, now)
	})
}
