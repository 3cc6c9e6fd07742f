package shipment

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/shipment"
)

// Deps are what every handler here needs: the executor, and a clock
// injected so tests and replays decide at a time of their choosing.
type Deps struct {
	Exec *commands.Executor
	Now  func() time.Time
}

// For addresses a domain command to one shipment (one parcel).
type For[C any] struct {
	ShipmentID domain.ShipmentID
	Cmd        C
}

// run is every handler's body: load the stream, let the aggregate decide at
// now, append what it raised.
func (d Deps) run(ctx context.Context, meta commands.Meta, id domain.ShipmentID, decide func(*shipment.Shipment, time.Time) error) (commands.Result, error) {
	stream, err := commands.ShipmentStream(id)
	if err != nil {
		return commands.Result{}, err
	}
	now := d.Now()
	return commands.Execute(ctx, d.Exec, meta, commands.Step[*shipment.Shipment]{
		Stream: stream,
		New:    func() *shipment.Shipment { return shipment.New(id) },
		Decide: func(a *shipment.Shipment) error { return decide(a, now) },
	})
}
