package wallet

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/wallet"
)

// Open opens a customer's wallet in a currency; opening it again the same way is a retry.
type Open struct{ Deps }

// Handle runs the command.
func (h Open) Handle(ctx context.Context, cmd For[wallet.Open], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.WalletID, func(a *wallet.Wallet, now time.Time) error {
		return a.Open(cmd.Cmd, now)
	})
}
