package vendor

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/vendor"
)

// Deps are what every handler here needs: the executor, and a clock
// injected so tests and replays decide at a time of their choosing.
type Deps struct {
	Exec *commands.Executor
	Now  func() time.Time
}

// For addresses a domain command to one vendor.
type For[C any] struct {
	VendorID domain.VendorID
	Cmd      C
}

// run is every handler's body: load the stream, let the aggregate decide at
// now, append what it raised.
func (d Deps) run(ctx context.Context, meta commands.Meta, id domain.VendorID, decide func(*vendor.Vendor, time.Time) error) (commands.Result, error) {
	stream, err := commands.VendorStream(id)
	if err != nil {
		return commands.Result{}, err
	}
	now := d.Now()
	return commands.Execute(ctx, d.Exec, meta, commands.Step[*vendor.Vendor]{
		Stream: stream,
		New:    func() *vendor.Vendor { return vendor.New(id) },
		Decide: func(a *vendor.Vendor) error { return decide(a, now) },
	})
}
