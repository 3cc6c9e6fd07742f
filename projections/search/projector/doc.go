// Package projector feeds the search index from the event store: products
// (listed, updated, sizes added, repriced, delisted), stock (inventory
// streams), ratings (reviews) and sales (orders) become one document per
// product. It is an at-least-once projectors.Idempotent: every record it
// keeps remembers the stream revision it last applied, so a redelivered or
// stale event changes nothing, and derived fields are recomputed from the
// records on every batch, so a batch the sink half took is healed by its
// redelivery.
//
// It may import the domain, the eventstore port, projections and search;
// never an adapter (the wiring in cmd/souq picks one).
package projector
