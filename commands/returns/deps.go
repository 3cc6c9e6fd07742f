package returns

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/returns"
)

// Deps are what every handler here needs: the executor, and a clock
// injected so tests and replays decide at a time of their choosing.
type Deps struct {
	Exec *commands.Executor
	Now  func() time.Time
}

// For addresses a domain command to one return.
type For[C any] struct {
	ReturnID domain.ReturnID
	Cmd      C
}

// run is every handler's body: load the stream, let the aggregate decide at
// now, append what it raised.
func (d Deps) run(ctx context.Context, meta commands.Meta, id domain.ReturnID, decide func(*returns.Return, time.Time) error) (commands.Result, error) {
	stream, err := commands.ReturnStream(id)
	if err != nil {
		return commands.Result{}, err
	}
	now := d.Now()
	return commands.Execute(ctx, d.Exec, meta, commands.Step[*returns.Return]{
		Stream: stream,
		New:    func() *returns.Return { return returns.New(id) },
		Decide: func(a *returns.Return) error { return decide(a, now) },
	})
}
