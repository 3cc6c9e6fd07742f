// Package orderq reads the orders view: a customer's order list, newest
// first with a keyset cursor, and an order's detail with its sub-orders,
// payment roll-up, shipments and timeline. It names the view's tables, so
// the projector (package orders) and the reader agree on them.
//
// It imports only the standard library: the read API depends on it and
// must not reach the event store. Dialect differences arrive as the
// dialect's Rebind function, given by cmd/souq.
package orderq
