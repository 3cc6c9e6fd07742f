package wallet

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/wallet"
)

// Debit takes available money back (an admin correction), never below zero.
type Debit struct{ Deps }

// Handle runs the command.
func (h Debit) Handle(ctx context.Context, cmd For[wallet.Debit], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.WalletID, func(a *wallet.Wallet, now time.Time) error {
		return a.Debit(cmd.Cmd, now)
	})
}
