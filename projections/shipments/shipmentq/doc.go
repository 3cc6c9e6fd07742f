// Package shipmentq reads the shipments view: the tracking page of a
// parcel by its tracking number, with the normalized timeline of carrier
// events (each with the carrier's own word, kept even when souq does not
// know it). It names the view's tables.
//
// It imports only the standard library; dialect differences arrive as the
// dialect's Rebind function.
package shipmentq
