package wallet

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/wallet"
)

// PlaceHold sets available money aside for a checkout; two holds can never spend the same balance, because each decides on the ledger at an exact revision.
type PlaceHold struct{ Deps }

// Handle runs the command.
func (h PlaceHold) Handle(ctx context.Context, cmd For[wallet.PlaceHold], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.WalletID, func(a *wallet.Wallet, now time.Time) error {
		return a.PlaceHold(cmd.Cmd, now)
	})
}
