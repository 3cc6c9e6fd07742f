package wallet

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/wallet"
)

// Deps are what every handler here needs: the executor, and a clock
// injected so tests and replays decide at a time of their choosing.
type Deps struct {
	Exec *commands.Executor
	Now  func() time.Time
}

// For addresses a domain command to one wallet (one customer's ledger).
type For[C any] struct {
	WalletID domain.WalletID
	Cmd      C
}

// run is every handler's body: load the stream, let the aggregate decide at
// now, append what it raised.
func (d Deps) run(ctx context.Context, meta commands.Meta, id domain.WalletID, decide func(*wallet.Wallet, time.Time) error) (commands.Result, error) {
	stream, err := commands.WalletStream(id)
	if err != nil {
		return commands.Result{}, err
	}
	now := d.Now()
	return commands.Execute(ctx, d.Exec, meta, commands.Step[*wallet.Wallet]{
		Stream: stream,
		New:    func() *wallet.Wallet { return wallet.New(id) },
		Decide: func(a *wallet.Wallet) error { return decide(a, now) },
	})
}
