// Package projector feeds the scent index from the event store. It reuses
// the search projector whole (projections/search/projector): the same
// records of products, stock, reviews and orders, the same stale-revision
// rule and the same recomputation of derived fields on every batch. What
// differs is the sink: Sink turns each product record into a scent point
// (its vector from the scent profile, its payload for filters and the
// business rules) or a tombstone once it is off sale, and keeps the records
// themselves in the index's state, so they survive with the points.
//
// NewImages is the same projector writing product image embeddings
// instead (images.go): a point per product whose vector is its main
// image's embedding by the scent.Embedder, each blob embedded once.
//
// It may import the domain, the eventstore port, projections, search and
// its projector, and scent; never an adapter.
package projector
