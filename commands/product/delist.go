package product

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/product"
)

// Delist takes a product off sale for good; delisting it again is a no-op.
type Delist struct{ Deps }

// Handle runs the command.
func (h Delist) Handle(ctx context.Context, cmd For[product.Delist], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.ProductID, func(a *product.Product, now time.Time) error {
		c := cmd.Cmd
		c.VendorID = owner(a, cmd.Staff, c.VendorID)
		return a.Delist(c, now)
	})
}
