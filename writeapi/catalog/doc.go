// Package catalog is the write side's view of what is for sale: it follows
// the event store's product and vendor streams into an in-memory index (SKU
// → product, product → vendor, vendor → commission) and answers the
// checkout's Catalog port and the routes' "which vendor owns this SKU".
// It catches up to the store's head on every question, so an answer is
// never older than the question: a SKU listed a moment ago is found.
//
// It may import commands (its Catalog port), domain and the eventstore
// port; never a driver.
package catalog
