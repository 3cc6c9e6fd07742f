package wallet

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/wallet"
)

// PostHold spends a pending hold once its checkout is paid.
type PostHold struct{ Deps }

// Handle runs the command.
func (h PostHold) Handle(ctx context.Context, cmd For[wallet.PostHold], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.WalletID, func(a *wallet.Wallet, now time.Time) error {
		return a.PostHold(cmd.Cmd, now)
	})
}
