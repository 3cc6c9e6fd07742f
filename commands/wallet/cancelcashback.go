package wallet

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/wallet"
)

// CancelCashback withdraws pending cashback of a returned order.
type CancelCashback struct{ Deps }

// Handle runs the command.
func (h CancelCashback) Handle(ctx context.Context, cmd For[wallet.CancelCashback], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.WalletID, func(a *wallet.Wallet, now time.Time) error {
		return a.CancelCashback(cmd.Cmd, now)
	})
}
