// Package order owns a customer order: one order per checkout, holding one
// sub-order per vendor, each fulfilled, shipped and delivered on its own.
// It prices the cart in integer minor units, tax-inclusive as shown to
// shoppers: line totals, the discount spread across lines, shipping per
// sub-order, VAT extracted by country (AE 5 %, SA 15 %), cashback earned,
// the wallet amount applied and what remains due; the total always equals
// the sum of its parts. Payment, shipment and return are their own
// aggregates; this one holds the order's lifecycle: placed, paid, confirmed,
// sub-orders fulfilled, shipped, delivered, then the order delivered and
// completed after the return window, or cancelled. It records where the
// order ships: a copy of an address-book entry taken at checkout, in the
// order's own country, whose prices and VAT the order carries.
//
// It may import the standard library and the domain kernel only.
package order
