// Package products is the product detail view: one row per product (its
// vendor, the product stream's revision, on sale or delisted, the
// descriptive details and the variants with their prices), written by an
// SQL projector from the product events, exactly once with the
// checkpoint. It is the source the product detail page reads through the
// cache (productq.Cached).
//
// It may import domain, the eventstore port, projections and productq.
package products
