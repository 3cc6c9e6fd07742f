package order

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
)

// Deps are what every handler here needs: the executor, and a clock
// injected so tests and replays decide at a time of their choosing.
type Deps struct {
	Exec *commands.Executor
	Now  func() time.Time
}

// For addresses a domain command to one order.
type For[C any] struct {
	OrderID domain.OrderID
	Cmd     C
}

// run is every handler's body: load the stream, let the aggregate decide at
// now, append what it raised.
func (d Deps) run(ctx context.Context, meta commands.Meta, id domain.OrderID, decide func(*order.Order, time.Time) error) (commands.Result, error) {
	stream, err := commands.OrderStream(id)
	if err != nil {
		return commands.Result{}, err
	}
	now := d.Now()
	return commands.Execute(ctx, d.Exec, meta, commands.Step[*order.Order]{
		Stream: stream,
		New:    func() *order.Order { return order.New(id) },
		Decide: func(a *order.Order) error { return decide(a, now) },
	})
}
