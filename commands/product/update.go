package product

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/product"
)

// Update replaces a product's details (names, brand, scent profile,
// images…); its sizes and prices change through AddVariant and Reprice.
type Update struct{ Deps }

// Handle runs the command.
func (h Update) Handle(ctx context.Context, cmd For[product.Update], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.ProductID, func(a *product.Product, now time.Time) error {
		c := cmd.Cmd
		c.VendorID = owner(a, cmd.Staff, c.VendorID)
		return a.Update(c, now)
	})
}
