// Package shipments is the shipments read model: per parcel its carrier,
// tracking number, order, vendor and label (its blob key), current normalized status with the
// carrier's own word, and the timeline of carrier events in the order they
// happened (not the order their webhooks arrived). A status souq does not
// know is kept as it came. Its reader lives in shipmentq.
//
// It may import domain, the eventstore port and projections.
package shipments
