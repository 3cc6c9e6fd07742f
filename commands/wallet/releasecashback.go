package wallet

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/wallet"
)

// ReleaseCashback makes due cashback spendable.
type ReleaseCashback struct{ Deps }

// Handle runs the command.
func (h ReleaseCashback) Handle(ctx context.Context, cmd For[wallet.ReleaseCashback], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.WalletID, func(a *wallet.Wallet, now time.Time) error {
		return a.ReleaseCashback(cmd.Cmd, now)
	})
}
