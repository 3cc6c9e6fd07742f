package product

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/product"
)

// Deps are what every handler here needs: the executor, and a clock
// injected so tests and replays decide at a time of their choosing.
type Deps struct {
	Exec *commands.Executor
	Now  func() time.Time
}

// For addresses a domain command to one product. The command's VendorID is
// who acts; with Staff set, an admin acts for the product's owner and the
// command's VendorID is taken from the product, so the domain's ownership
// rule still holds for everyone else.
type For[C any] struct {
	ProductID domain.ProductID
	Staff     bool
	Cmd       C
}

// run is every handler's body: load the stream, let the aggregate decide at
// now, append what it raised.
func (d Deps) run(ctx context.Context, meta commands.Meta, id domain.ProductID, decide func(*product.Product, time.Time) error) (commands.Result, error) {
	stream, err := commands.ProductStream(id)
	if err != nil {
		return commands.Result{}, err
	}
	now := d.Now()
	return commands.Execute(ctx, d.Exec, meta, commands.Step[*product.Product]{
		Stream: stream,
		New:    func() *product.Product { return product.New(id) },
		Decide: func(a *product.Product) error { return decide(a, now) },
	})
}

// owner is the vendor a command acts as: its own, or for staff the
// product's owner.
func owner(a *product.Product, staff bool, vendor domain.VendorID) domain.VendorID {
	if staff && a.Vendor() != "" {
		return a.Vendor()
	}
	return vendor
}
