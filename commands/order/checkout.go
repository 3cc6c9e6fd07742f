package order

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/souq-market/souq/commands"
	usercmd "github.com/souq-market/souq/commands/user"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/user"
)

// Catalog is the port to what is for sale: the price a SKU sells for in a
// country now, who sells it, and at what commission. Prices come from here,
// never from the client's cart.
type Catalog interface {
	// Offer returns a *domain.Error of kind NotFound for a SKU not on sale.
	Offer(ctx context.Context, sku domain.SKU, country domain.Country) (Offer, error)
}

// Offer is one SKU on sale.
type Offer struct {
	ProductID      domain.ProductID
	VendorID       domain.VendorID
	UnitPrice      domain.Money // tax-inclusive, in the country's currency
	CommissionRate domain.BasisPoints
}

// Policy holds the marketplace's terms a checkout applies.
type Policy struct {
	// Shipping is the tax-inclusive fee a vendor charges for its part of
	// an order; nil means free shipping.
	Shipping         func(vendor domain.VendorID, country domain.Country, subtotal domain.Money) domain.Money
	CashbackRate     domain.BasisPoints
	ReturnWindowDays int
}

// CartLine is what the customer asks for.
type CartLine struct {
	SKU      domain.SKU
	Quantity int64
}

// Cart is a checkout request.
type Cart struct {
	OrderID       domain.OrderID
	CustomerID    domain.CustomerID
	Country       domain.Country
	PaymentMethod order.PaymentMethod
	Lines         []CartLine
	AffiliateID   domain.AffiliateID
	WalletAmount  domain.Money // zero value: none
	// AddressID names the entry of the customer's address book the order
	// ships to; "" ships to their default address.
	AddressID user.AddressID
}

// Checkout prices a cart with the catalog's current prices and places the
// order, one sub-order per vendor (order.Price does the arithmetic), to a
// copy of an entry of the customer's address book (the user aggregate). Stock
// and the wallet are not touched here: the checkout process manager reserves
// each line and holds the wallet amount on order.placed, so one slow stream
// never blocks the others and each keeps its own invariant.
type Checkout struct {
	Deps
	Catalog Catalog
	Policy  Policy
}

// Handle places the order. Placing it again with the same cart is a retry.
func (h Checkout) Handle(ctx context.Context, cart Cart, meta commands.Meta) (commands.Result, error) {
	place, err := h.place(ctx, cart, true)
	if err != nil {
		return commands.Result{}, err
	}
	return h.run(ctx, meta, cart.OrderID, func(o *order.Order, now time.Time) error { return o.Place(place, now) })
}

// Quote prices the cart as Handle would, writing nothing. The address
// book is not read: the price depends on the order's country alone, and a
// customer may ask for one before they have an address.
func (h Checkout) Quote(ctx context.Context, cart Cart) (order.Quote, error) {
	place, err := h.place(ctx, cart, false)
	if err != nil {
		return order.Quote{}, err
	}
	return order.Price(place)
}

// place looks every line up in the catalog, and with shipTo the address in
// the customer's address book, and builds the domain command, listing
// every line the catalog refuses and what is wrong with the address at
// once.
func (h Checkout) place(ctx context.Context, cart Cart, shipTo bool) (order.Place, error) {
	cmd := order.Place{
		OrderID: cart.OrderID, CustomerID: cart.CustomerID, Country: cart.Country, PaymentMethod: cart.PaymentMethod,
		AffiliateID: cart.AffiliateID, CashbackRate: h.Policy.CashbackRate, WalletAmount: cart.WalletAmount,
		ReturnWindowDays: h.Policy.ReturnWindowDays,
		Shipping:         map[domain.VendorID]domain.Money{}, CommissionRates: map[domain.VendorID]domain.BasisPoints{},
	}
	var v domain.Validation
	subtotals := map[domain.VendorID]domain.Money{}
	var vendors []domain.VendorID
	for i, l := range cart.Lines {
		field := "lines[" + strconv.Itoa(i) + "].sku"
		if !v.ID(field, string(l.SKU)) {
			continue
		}
		offer, err := h.Catalog.Offer(ctx, l.SKU, cart.Country)
		if err != nil {
			if e, ok := errors.AsType[*domain.Error](err); ok && e.Kind != domain.Internal {
				v.Add(field, e.Code, "%s", e.Message)
				continue
			}
			return order.Place{}, err
		}
		cmd.Lines = append(cmd.Lines, order.Line{SKU: l.SKU, ProductID: offer.ProductID, VendorID: offer.VendorID, Quantity: l.Quantity, UnitPrice: offer.UnitPrice})
		cmd.CommissionRates[offer.VendorID] = offer.CommissionRate
		if total, err := offer.UnitPrice.Times(max(l.Quantity, 0)); err == nil {
			sub, ok := subtotals[offer.VendorID]
			if !ok {
				vendors = append(vendors, offer.VendorID)
				sub = total
			} else if sub, err = sub.Add(total); err != nil {
				sub = total
			}
			subtotals[offer.VendorID] = sub
		}
	}
	if shipTo {
		var err error
		if cmd.ShipTo, err = h.shipTo(ctx, &v, cart); err != nil {
			return order.Place{}, err
		}
	}
	if err := v.Err(); err != nil {
		return order.Place{}, err
	}
	if h.Policy.Shipping != nil {
		for _, vendor := range vendors {
			cmd.Shipping[vendor] = h.Policy.Shipping(vendor, cart.Country, subtotals[vendor])
		}
	}
	return cmd, nil
}

// shipTo copies the address-book entry the cart names, or else the
// customer's default, recording a problem on address_id when there is
// none. Another customer's entry is not in this customer's book, so it is
// refused exactly as an unknown one is, and nothing says it exists. The
// entry's country must be the cart's: the order is priced and taxed for
// that country (VAT is due where the goods are delivered).
func (h Checkout) shipTo(ctx context.Context, v *domain.Validation, cart Cart) (*order.ShipTo, error) {
	const field = "address_id"
	if cart.AddressID != "" && !v.ID(field, string(cart.AddressID)) {
		return nil, nil
	}
	id := user.ID(cart.CustomerID)
	stream, err := usercmd.UserStream(id)
	if err != nil {
		return nil, nil // customer_id: order.Price names the problem
	}
	u, err := commands.Load(ctx, h.Exec, stream, func() *user.User { return user.New(id) })
	if err != nil {
		return nil, err
	}
	if u.Forgotten() {
		return nil, domain.Errorf(domain.Conflict, user.CodeForgotten, "customer %s was forgotten at their request", id)
	}
	entry := cart.AddressID
	if entry == "" {
		if entry = u.DefaultAddress(); entry == "" {
			v.Add(field, domain.ProblemRequired, "your address book has no default address: add one (POST /v1/me/addresses) or name one")
			return nil, nil
		}
	}
	a, ok := u.Address(entry)
	if !ok {
		v.Add(field, domain.ProblemInvalid, "no address %s in your address book", entry)
		return nil, nil
	}
	if cart.Country.Valid() && a.Country != cart.Country {
		v.Add(field, domain.ProblemInvalid, "address %s is in %s, and the order is priced and taxed for %s: check out in %s to ship there", entry, a.Country, cart.Country, a.Country)
		return nil, nil
	}
	return &order.ShipTo{AddressID: string(entry), Recipient: a.Recipient, Phone: a.Phone, Line1: a.Line1, Line2: a.Line2,
		City: a.City, Region: a.Region, PostalCode: a.PostalCode, Country: a.Country}, nil
}
