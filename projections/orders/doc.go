// Package orders is the orders read model: an SQL projector keeping, per
// customer order, its summary for the customer's list (newest first), its
// sub-orders, every payment attempt and the payment roll-up ("paid",
// "partially refunded" …), its shipments and a timeline. Roll-ups are
// computed here, from the separate state axes the domain keeps apart.
//
// It consumes order, payment and shipment events; each aggregate's events
// arrive in order, but those of different aggregates in any interleaving
// (a payment may be projected before its order), so every roll-up is
// recomputed from stored rows whichever side arrives last.
//
// It may import domain, the eventstore port and projections; its reader and
// row types live in orderq, which the read API imports.
package orders
