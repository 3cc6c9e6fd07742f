package wallet

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/wallet"
)

// EarnCashback records an order's cashback, spendable from its time (delivery plus the return window).
type EarnCashback struct{ Deps }

// Handle runs the command.
func (h EarnCashback) Handle(ctx context.Context, cmd For[wallet.EarnCashback], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.WalletID, func(a *wallet.Wallet, now time.Time) error {
		return a.EarnCashback(cmd.Cmd, now)
	})
}
