package order

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/souq-market/souq/domain"
)

// PaymentMethod the customer chose for what the wallet does not cover.
type PaymentMethod string

const (
	PayByCard     PaymentMethod = "card"
	PayByWallet   PaymentMethod = "wallet" // the wallet covers everything
	PayOnDelivery PaymentMethod = "cod"
)

// Line is a cart line as the customer submitted it; UnitPrice is the
// tax-inclusive price the catalog showed, in the country's currency.
type Line struct {
	SKU       domain.SKU
	ProductID domain.ProductID
	VendorID  domain.VendorID
	Quantity  int64
	UnitPrice domain.Money
}

// Limits of one cart.
const (
	MaxLines           = 100
	MaxQuantity        = 1000
	MaxReturnWindowDay = 90
)

// Code of a pricing refusal that is not about one field.
const CodeOverflow = "order.amount_too_large"

// Quote is a priced cart: what Place would record, for a dry run.
type Quote struct {
	Lines     []PricedLine
	SubOrders []SubOrder
	Totals    Totals
}

// Price validates a checkout and prices it. It is pure: the same command
// always gives the same quote, so a dry run and the real order agree.
//
// All prices are tax-inclusive. The discount is spread across lines in
// proportion to their totals (Money.Allocate, exact to the minor unit); each
// sub-order's VAT is extracted from its total (goods after discount plus
// shipping); cashback is the rate applied to goods after discount; the wallet
// amount comes off the total and the rest is due. Rounding happens only in
// Allocate, ExtractVAT and MulRate (half away from zero), and every total is
// a sum of the parts actually recorded, so nothing is lost or invented.
func Price(cmd Place) (Quote, error) {
	var v domain.Validation
	v.ID("order_id", string(cmd.OrderID))
	v.ID("customer_id", string(cmd.CustomerID))
	cur, err := cmd.Country.Currency()
	v.Check(err == nil, "country", domain.ProblemInvalid, "souq does not sell in %q", cmd.Country)
	v.Check(cmd.PaymentMethod == PayByCard || cmd.PaymentMethod == PayByWallet || cmd.PaymentMethod == PayOnDelivery, "payment_method", domain.ProblemInvalid, "must be card, wallet or cod")
	v.OptionalText("discount_code", cmd.DiscountCode, 64)
	if cmd.AffiliateID != "" {
		v.ID("affiliate_id", string(cmd.AffiliateID))
	}
	v.Check(cmd.ReturnWindowDays >= 0 && cmd.ReturnWindowDays <= MaxReturnWindowDay, "return_window_days", domain.ProblemRange, "must be 0–%d", MaxReturnWindowDay)
	v.Check(cmd.CashbackRate >= 0 && cmd.CashbackRate <= 10000, "cashback_rate", domain.ProblemRange, "must be 0–10000 basis points")
	if v.Check(len(cmd.Lines) > 0, "lines", domain.ProblemRequired, "the cart is empty") {
		v.Check(len(cmd.Lines) <= MaxLines, "lines", domain.ProblemRange, "at most %d lines", MaxLines)
	}
	seen := map[domain.SKU]bool{}
	vendors := map[domain.VendorID]bool{}
	for i, l := range cmd.Lines {
		f := func(name string) string { return "lines[" + strconv.Itoa(i) + "]." + name }
		if v.ID(f("sku"), string(l.SKU)) {
			v.Check(!seen[l.SKU], f("sku"), "duplicate", "%s is already in the cart", l.SKU)
			seen[l.SKU] = true
		}
		v.ID(f("product_id"), string(l.ProductID))
		if v.ID(f("vendor_id"), string(l.VendorID)) {
			vendors[l.VendorID] = true
		}
		if v.Positive(f("quantity"), l.Quantity) {
			v.Check(l.Quantity <= MaxQuantity, f("quantity"), domain.ProblemRange, "at most %d", MaxQuantity)
		}
		v.PositiveMoney(f("unit_price"), l.UnitPrice, cur)
	}
	for vendor, fee := range cmd.Shipping {
		v.Check(vendors[vendor], "shipping["+string(vendor)+"]", domain.ProblemInvalid, "no line of vendor %s", vendor)
		v.Money("shipping["+string(vendor)+"]", fee, cur)
	}
	for vendor, rate := range cmd.CommissionRates {
		v.Check(vendors[vendor], "commission_rates["+string(vendor)+"]", domain.ProblemInvalid, "no line of vendor %s", vendor)
		v.Check(rate >= 0 && rate <= 10000, "commission_rates["+string(vendor)+"]", domain.ProblemRange, "must be 0–10000 basis points")
	}
	for vendor := range vendors {
		_, ok := cmd.CommissionRates[vendor]
		v.Check(ok, "commission_rates["+string(vendor)+"]", domain.ProblemRequired, "no commission rate for vendor %s", vendor)
	}
	if cmd.Discount != (domain.Money{}) { // the zero value means none
		v.Money("discount", cmd.Discount, cur)
	}
	if cmd.WalletAmount != (domain.Money{}) {
		v.Money("wallet_amount", cmd.WalletAmount, cur)
	}
	if cmd.ShipTo != nil {
		checkShipTo(&v, *cmd.ShipTo, cmd.Country, err == nil)
	}
	if err := v.Err(); err != nil {
		return Quote{}, err
	}
	return price(cmd, cur)
}

func price(cmd Place, cur domain.Currency) (Quote, error) {
	zero, _ := domain.Zero(cur)
	orZero := func(m domain.Money) domain.Money {
		if m.Valid() {
			return m
		}
		return zero
	}
	fail := func(err error) (Quote, error) {
		return Quote{}, fmt.Errorf("order: price %s: %w", cmd.OrderID, err)
	}

	// Lines, and the discount spread across them.
	lines := make([]PricedLine, len(cmd.Lines))
	weights := make([]int64, len(cmd.Lines))
	subtotal := zero
	for i, l := range cmd.Lines {
		total, err := l.UnitPrice.Times(l.Quantity)
		if err != nil {
			return fail(err)
		}
		lines[i] = PricedLine{SKU: l.SKU, ProductID: l.ProductID, VendorID: l.VendorID, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Total: total}
		weights[i] = total.Amount()
		if subtotal, err = subtotal.Add(total); err != nil {
			return fail(err)
		}
	}
	discount := orZero(cmd.Discount)
	if discount.Amount() > subtotal.Amount() {
		return Quote{}, invalid("discount", "exceeds_subtotal", "discount %v exceeds the subtotal %v", discount, subtotal)
	}
	shares, err := discount.Allocate(weights...)
	if err != nil {
		return fail(err)
	}
	for i := range lines {
		lines[i].Discount = shares[i]
	}

	// One sub-order per vendor, in vendor order so IDs are deterministic.
	var vendorIDs []domain.VendorID
	byVendor := map[domain.VendorID]*SubOrder{}
	for _, l := range lines {
		if byVendor[l.VendorID] == nil {
			vendorIDs = append(vendorIDs, l.VendorID)
			byVendor[l.VendorID] = &SubOrder{VendorID: l.VendorID, Subtotal: zero, Discount: zero}
		}
	}
	slices.Sort(vendorIDs)
	for _, l := range lines {
		s := byVendor[l.VendorID]
		s.Lines = append(s.Lines, l.SKU)
		if s.Subtotal, err = s.Subtotal.Add(l.Total); err != nil {
			return fail(err)
		}
		if s.Discount, err = s.Discount.Add(l.Discount); err != nil {
			return fail(err)
		}
	}
	t := Totals{Subtotal: subtotal, Discount: discount, Shipping: zero, Total: zero, VAT: zero}
	subs := make([]SubOrder, len(vendorIDs))
	for i, vendor := range vendorIDs {
		s := byVendor[vendor]
		s.ID = domain.SubOrderID(string(cmd.OrderID) + ":" + strconv.Itoa(i+1))
		s.Shipping = orZero(cmd.Shipping[vendor])
		goods, err := s.Subtotal.Sub(s.Discount)
		if err != nil {
			return fail(err)
		}
		if s.Total, err = goods.Add(s.Shipping); err != nil {
			return fail(err)
		}
		if s.VAT, _, err = domain.ExtractVAT(s.Total, cmd.Country); err != nil {
			return fail(err)
		}
		s.CommissionRate = cmd.CommissionRates[vendor]
		if s.Commission, err = goods.MulRate(s.CommissionRate); err != nil {
			return fail(err)
		}
		if t.Shipping, err = t.Shipping.Add(s.Shipping); err != nil {
			return fail(err)
		}
		if t.Total, err = t.Total.Add(s.Total); err != nil {
			return fail(err)
		}
		if t.VAT, err = t.VAT.Add(s.VAT); err != nil {
			return fail(err)
		}
		subs[i] = *s
	}
	goods, err := subtotal.Sub(discount)
	if err != nil {
		return fail(err)
	}
	if t.Cashback, err = goods.MulRate(cmd.CashbackRate); err != nil {
		return fail(err)
	}
	t.Wallet = orZero(cmd.WalletAmount)
	if t.Wallet.Amount() > t.Total.Amount() {
		return Quote{}, invalid("wallet_amount", "exceeds_total", "wallet amount %v exceeds the total %v", t.Wallet, t.Total)
	}
	if t.Due, err = t.Total.Sub(t.Wallet); err != nil {
		return fail(err)
	}
	switch {
	case cmd.PaymentMethod == PayByWallet && !t.Due.IsZero():
		return Quote{}, invalid("payment_method", "wallet_short", "the wallet covers %v of %v; choose card or cod for the rest", t.Wallet, t.Total)
	case cmd.PaymentMethod != PayByWallet && t.Due.IsZero():
		return Quote{}, invalid("payment_method", "nothing_due", "the wallet covers the whole total; pay by wallet")
	}
	return Quote{Lines: lines, SubOrders: subs, Totals: t}, nil
}

// checkShipTo records what is wrong with a ship-to. Its country must be
// the order's: prices, currency and VAT all follow the order's country,
// and VAT is due where the goods are delivered, so an order priced for one
// country cannot ship to another.
func checkShipTo(v *domain.Validation, s ShipTo, country domain.Country, countryValid bool) {
	v.ID("ship_to.address_id", s.AddressID)
	v.Text("ship_to.recipient", s.Recipient, 200)
	v.Text("ship_to.phone", s.Phone, 32)
	v.Text("ship_to.line1", s.Line1, 200)
	v.OptionalText("ship_to.line2", s.Line2, 200)
	v.Text("ship_to.city", s.City, 100)
	v.OptionalText("ship_to.region", s.Region, 100)
	v.OptionalText("ship_to.postal_code", s.PostalCode, 20)
	v.Check(!countryValid || s.Country == country, "ship_to.country", domain.ProblemInvalid, "the order is priced and taxed for %s, the address is in %q", country, s.Country)
}

func invalid(field, code, format string, args ...any) error {
	var v domain.Validation
	v.Add(field, code, format, args...)
	return v.Err()
}

// Check verifies that a quote's parts add up: the totals are the sums of the
// sub-orders, each sub-order of its lines, and total = subtotal − discount +
// shipping = wallet + due. Tests and the property checks use it; a placed
// order always passes.
func (q Quote) Check() error {
	sum := func(ms ...domain.Money) int64 {
		var n int64
		for _, m := range ms {
			n += m.Amount()
		}
		return n
	}
	t := q.Totals
	var subSub, subDisc, subShip, subTotal, subVAT int64
	for _, s := range q.SubOrders {
		var lt, ld int64
		for _, l := range q.Lines {
			if l.VendorID == s.VendorID {
				lt += l.Total.Amount()
				ld += l.Discount.Amount()
				if l.Total.Amount() != l.UnitPrice.Amount()*l.Quantity || l.Discount.Amount() > l.Total.Amount() || l.Discount.IsNegative() {
					return fmt.Errorf("line %s: total %v discount %v", l.SKU, l.Total, l.Discount)
				}
			}
		}
		if lt != s.Subtotal.Amount() || ld != s.Discount.Amount() || s.Total.Amount() != lt-ld+s.Shipping.Amount() {
			return fmt.Errorf("sub-order %s does not add up: %+v", s.ID, s)
		}
		subSub += lt
		subDisc += ld
		subShip += s.Shipping.Amount()
		subTotal += s.Total.Amount()
		subVAT += s.VAT.Amount()
	}
	switch {
	case subSub != t.Subtotal.Amount(), subDisc != t.Discount.Amount(), subShip != t.Shipping.Amount(), subTotal != t.Total.Amount(), subVAT != t.VAT.Amount():
		return fmt.Errorf("totals %+v are not the sums of the sub-orders", t)
	case t.Total.Amount() != sum(t.Subtotal, t.Shipping)-t.Discount.Amount():
		return fmt.Errorf("total %v ≠ subtotal − discount + shipping", t.Total)
	case t.Total.Amount() != sum(t.Wallet, t.Due):
		return fmt.Errorf("total %v ≠ wallet %v + due %v", t.Total, t.Wallet, t.Due)
	case t.VAT.Amount() > t.Total.Amount() || t.Due.IsNegative() || t.Wallet.IsNegative():
		return fmt.Errorf("impossible totals %+v", t)
	}
	return nil
}
