// Package inventory is the inventory read model: on hand, reserved and
// available per SKU and location, and which vendor owns each SKU (from the
// product events), so a vendor reads only its own stock. Its reader lives
// in stockq.
//
// It may import domain, the eventstore port and projections.
package inventory
