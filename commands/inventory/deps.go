package inventory

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
)

// Deps are what every handler here needs: the executor, and a clock
// injected so tests and replays decide at a time of their choosing.
type Deps struct {
	Exec *commands.Executor
	Now  func() time.Time
}

// At addresses a domain command about a reservation to the stock of one
// SKU at one location, the stream that holds the reservation.
type At[C any] struct {
	SKU      domain.SKU
	Location domain.LocationID
	Cmd      C
}

// run is every handler's body: load the stream, let the aggregate decide at
// now, append what it raised.
func (d Deps) run(ctx context.Context, meta commands.Meta, sku domain.SKU, loc domain.LocationID, decide func(*inventory.Inventory, time.Time) error) (commands.Result, error) {
	stream, err := commands.InventoryStream(sku, loc)
	if err != nil {
		return commands.Result{}, err
	}
	now := d.Now()
	return commands.Execute(ctx, d.Exec, meta, commands.Step[*inventory.Inventory]{
		Stream: stream,
		New:    func() *inventory.Inventory { return inventory.New(sku, loc) },
		Decide: func(a *inventory.Inventory) error { return decide(a, now) },
	})
}
