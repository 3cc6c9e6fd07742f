// Package cached is the cache's projector: it keeps each SKU's stock per
// location as counters in the cache (compare-and-add keyed by the
// inventory stream's revision, so a redelivered or stale event changes
// nothing) and invalidates a product's cached detail with the revision of
// every product event (the cache keeps a floor, so a reader cannot refill
// it from a view that is behind). Keys are productq's.
//
// The runner delivers at least once and the cache has no transactions:
// both writes are idempotent by revision, which is all that makes them
// safe. A cache that lost its contents (in-process memory after a
// restart, a flushed Redis) is found by Lost, and cmd/souq resets the
// projector so it rebuilds from position zero.
//
// It may import domain, the eventstore port, projections, internal/cache
// and productq.
package cached
