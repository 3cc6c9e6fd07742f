// Package shipment owns the parcel of one sub-order: created with a carrier,
// a label and a tracking number, then moved through normalized carrier
// statuses. Carriers deliver webhooks twice and out of order, so a status
// never moves backwards and a duplicate changes nothing.
//
// It may import the standard library and the domain kernel only.
package shipment
