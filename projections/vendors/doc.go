// Package vendors is the vendor dashboard read model: per vendor its
// sub-orders by status, daily sales and earnings, commission, what is
// pending, payable and paid out, its low-stock SKUs and its top products.
// Every figure is a counter or a small row kept up to date as events arrive
// (each status change moves one count from the old status to the new), so a
// dashboard reads a handful of rows by key or index range, never an
// aggregate over sub-orders or stock.
//
// It reads order, vendor, product and inventory events. A vendor's stream
// is "vendor-<id>" and a product's "product-<id>" (the convention of the
// write side, which this package may not import). Stock is summed per SKU
// over locations; the SKU's vendor comes from the product listing, whichever
// of the two arrives first. Days are UTC calendar days of the event's time.
//
// The runner's exactly-once delivery is the view's contract; every figure
// depends only on each aggregate's own order of events, so any interleaving
// of streams ends with the same rows. Its reader and row types live in
// vendorq. It may import domain, eventstore, projections and vendorq; never
// commands or writeapi.
package vendors
