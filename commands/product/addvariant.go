package product

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/product"
)

// AddVariant adds a size (a new SKU with its prices) to a listed product.
type AddVariant struct{ Deps }

// Handle runs the command.
func (h AddVariant) Handle(ctx context.Context, cmd For[product.AddVariant], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.ProductID, func(a *product.Product, now time.Time) error {
		c := cmd.Cmd
		c.VendorID = owner(a, cmd.Staff, c.VendorID)
		return a.AddVariant(c, now)
	})
}
