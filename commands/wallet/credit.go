package wallet

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/wallet"
)

// Credit makes money available: a refund to wallet or an admin top-up; the reference makes a retry harmless.
type Credit struct{ Deps }

// Handle runs the command.
func (h Credit) Handle(ctx context.Context, cmd For[wallet.Credit], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.WalletID, func(a *wallet.Wallet, now time.Time) error {
		return a.Credit(cmd.Cmd, now)
	})
}
