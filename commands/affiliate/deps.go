package affiliate

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/affiliate"
)

// Deps are what every handler here needs: the executor, and a clock
// injected so tests and replays decide at a time of their choosing.
type Deps struct {
	Exec *commands.Executor
	Now  func() time.Time
}

// For addresses a domain command to one affiliate.
type For[C any] struct {
	AffiliateID domain.AffiliateID
	Cmd         C
}

// run is every handler's body: load the stream, let the aggregate decide at
// now, append what it raised.
func (d Deps) run(ctx context.Context, meta commands.Meta, id domain.AffiliateID, decide func(*affiliate.Affiliate, time.Time) error) (commands.Result, error) {
	stream, err := commands.AffiliateStream(id)
	if err != nil {
		return commands.Result{}, err
	}
	now := d.Now()
	return commands.Execute(ctx, d.Exec, meta, commands.Step[*affiliate.Affiliate]{
		Stream: stream,
		New:    func() *affiliate.Affiliate { return affiliate.New(id) },
		Decide: func(a *affiliate.Affiliate) error { return decide(a, now) },
	})
}
