package product

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/product"
)

// Reprice sets the tax-inclusive prices of one SKU, per currency. Orders
// already placed keep the price they were priced at.
type Reprice struct{ Deps }

// Handle runs the command.
func (h Reprice) Handle(ctx context.Context, cmd For[product.Reprice], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.ProductID, func(a *product.Product, now time.Time) error {
		c := cmd.Cmd
		c.VendorID = owner(a, cmd.Staff, c.VendorID)
		return a.Reprice(c, now)
	})
}
