// Package livefeed is the projector of live updates: every order event
// becomes a message on the order's channel ("order:<id>") and on the
// channel of each vendor it concerns ("vendor:<id>": all the order's
// vendors for order-wide events, the sub-order's vendor for a sub-order
// event), published to the live fan-out with the event's global position
// as its ID. A message says what happened (type, order, sub-order,
// revision, time), not the order's contents: a page that receives one
// reads the order again through the read API, where ownership is checked.
//
// Live updates matter now, not in a replay: events recorded longer than
// MaxAge ago are skipped, so a first start or a reset does not flood the
// fan-out with history. Delivery is at least once; subscribers skip IDs
// they have seen.
//
// The vendors of an order come from its order.placed event: read from the
// batch, else from the store (the order stream's first event), remembered
// for the next events of the order.
//
// It may import domain, the eventstore port, projections and internal/live.
package livefeed
