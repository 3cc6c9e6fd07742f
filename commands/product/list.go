package product

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/domain/vendor"
)

// CodeVendorCannotSell refuses a listing by a vendor that is not approved
// (pending KYC, rejected or suspended).
const CodeVendorCannotSell = "product.vendor_cannot_sell"

// List puts a new product on sale for a vendor, with its sizes and prices.
// The vendor must be approved: onboarding and suspension mean something
// only if they gate the catalog. The check reads the vendor's stream
// before the product's append; a suspension landing in between is not seen
// (the delisting of a suspended vendor's products is a process's job).
type List struct{ Deps }

// Handle runs the command.
func (h List) Handle(ctx context.Context, cmd For[product.List], meta commands.Meta) (commands.Result, error) {
	if err := h.canSell(ctx, cmd.Cmd.VendorID); err != nil {
		return commands.Result{}, err
	}
	return h.run(ctx, meta, cmd.ProductID, func(a *product.Product, now time.Time) error {
		return a.List(cmd.Cmd, now)
	})
}

func (h List) canSell(ctx context.Context, id domain.VendorID) error {
	stream, err := commands.VendorStream(id)
	if err != nil {
		return err
	}
	v, err := commands.Load(ctx, h.Exec, stream, func() *vendor.Vendor { return vendor.New(id) })
	switch {
	case err != nil:
		return err
	case v.Status() == vendor.StatusNone:
		return domain.Errorf(domain.NotFound, vendor.CodeNotRegistered, "vendor %s is not registered", id)
	case !v.CanSell():
		return domain.Errorf(domain.Conflict, CodeVendorCannotSell, "vendor %s is %s and cannot list products", id, v.Status())
	}
	return nil
}
