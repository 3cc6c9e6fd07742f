package catalog

import (
	"context"
	"fmt"
	"strings"
	"sync"

	ordercmd "github.com/souq-market/souq/commands/order"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/domain/vendor"
	"github.com/souq-market/souq/eventstore"
)

// Codes of the refusals.
const (
	CodeSKUNotFound  = "catalog.sku_not_found"
	CodeNotOnSale    = "catalog.not_on_sale"
	CodeNotInCountry = "catalog.not_sold_in_country"
)

// Stream prefixes followed. "product-" is commands.ProductStream's; vendors
// have no stream helper in commands yet, and "vendor-" is the convention.
const (
	productPrefix = "product-"
	vendorPrefix  = "vendor-"
)

// batch is how many events one catch-up read takes.
const batch = 1000

// Index follows product and vendor streams.
type Index struct {
	store eventstore.Store
	reg   *eventstore.Registry
	// DefaultCommission applies to a vendor with no approved commission.
	commission domain.BasisPoints

	mu       sync.Mutex
	pos      eventstore.Position
	products map[domain.ProductID]*product.Product
	skus     map[domain.SKU]domain.ProductID
	vendors  map[domain.VendorID]*vendor.Vendor
}

// New returns an index over store, decoding with reg; commission is the
// rate of vendors without an approved one.
func New(store eventstore.Store, reg *eventstore.Registry, commission domain.BasisPoints) *Index {
	return &Index{store: store, reg: reg, commission: commission,
		products: map[domain.ProductID]*product.Product{}, skus: map[domain.SKU]domain.ProductID{},
		vendors: map[domain.VendorID]*vendor.Vendor{}}
}

// catchUp applies every event after the last one seen, up to the head. The
// caller holds mu.
func (x *Index) catchUp(ctx context.Context) error {
	for {
		recs, err := x.store.ReadAll(ctx, x.pos, batch)
		if err != nil {
			return fmt.Errorf("catalog: read after %d: %w", x.pos, err)
		}
		for _, r := range recs {
			if err := x.apply(r); err != nil {
				return err
			}
			x.pos = r.Position
		}
		if len(recs) < batch {
			return nil
		}
	}
}

func (x *Index) apply(r eventstore.RecordedEvent) error {
	var (
		prod *product.Product
		vend *vendor.Vendor
	)
	switch {
	case strings.HasPrefix(r.StreamID, productPrefix):
		id := domain.ProductID(strings.TrimPrefix(r.StreamID, productPrefix))
		if prod = x.products[id]; prod == nil {
			prod = product.New(id)
			x.products[id] = prod
		}
	case strings.HasPrefix(r.StreamID, vendorPrefix):
		id := domain.VendorID(strings.TrimPrefix(r.StreamID, vendorPrefix))
		if vend = x.vendors[id]; vend == nil {
			vend = vendor.New(id)
			x.vendors[id] = vend
		}
	default:
		return nil
	}
	v, err := x.reg.DecodeRecorded(r)
	if err != nil {
		return fmt.Errorf("catalog: decode %s at %d: %w", r.Type, r.Position, err)
	}
	e, ok := v.(domain.Event)
	if !ok {
		return fmt.Errorf("catalog: %s decodes to %T, not a domain event", r.Type, v)
	}
	if prod != nil {
		prod.Apply(e)
		for _, variant := range prod.Variants() {
			x.skus[variant.SKU] = prod.ID()
		}
		return nil
	}
	vend.Apply(e)
	return nil
}

// with runs fn on the product selling a SKU, as of now, under the lock:
// the aggregates change as the index catches up.
func (x *Index) with(ctx context.Context, sku domain.SKU, fn func(*product.Product) error) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.catchUp(ctx); err != nil {
		return err
	}
	id, ok := x.skus[sku]
	if !ok {
		return domain.Errorf(domain.NotFound, CodeSKUNotFound, "no product has the SKU %s", sku)
	}
	return fn(x.products[id])
}

// Vendor returns the vendor whose product has the SKU.
func (x *Index) Vendor(ctx context.Context, sku domain.SKU) (domain.VendorID, error) {
	var id domain.VendorID
	err := x.with(ctx, sku, func(p *product.Product) error { id = p.Vendor(); return nil })
	return id, err
}

// Offer is the checkout's Catalog port: the SKU's price in the country's
// currency, its vendor and the vendor's commission.
func (x *Index) Offer(ctx context.Context, sku domain.SKU, country domain.Country) (ordercmd.Offer, error) {
	var o ordercmd.Offer
	err := x.with(ctx, sku, func(p *product.Product) error {
		if !p.OnSale() {
			return domain.Errorf(domain.NotFound, CodeNotOnSale, "%s is not on sale", sku)
		}
		cur, err := country.Currency()
		if err != nil {
			return err
		}
		price, ok := p.Price(sku, cur)
		if !ok {
			return domain.Errorf(domain.NotFound, CodeNotInCountry, "%s has no price in %s", sku, cur)
		}
		rate := x.commission
		if v := x.vendors[p.Vendor()]; v != nil && v.Status() == vendor.StatusApproved {
			rate = v.CommissionRate()
		}
		o = ordercmd.Offer{ProductID: p.ID(), VendorID: p.Vendor(), UnitPrice: price, CommissionRate: rate}
		return nil
	})
	return o, err
}
