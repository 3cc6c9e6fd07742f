package wallet

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/wallet"
)

// VoidHold gives a pending hold back when its checkout fails.
type VoidHold struct{ Deps }

// Handle runs the command.
func (h VoidHold) Handle(ctx context.Context, cmd For[wallet.VoidHold], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.WalletID, func(a *wallet.Wallet, now time.Time) error {
		return a.VoidHold(cmd.Cmd, now)
	})
}
