// Package inventory owns the stock of one SKU at one location: on hand,
// reserved, and available = on hand − reserved, which never goes below zero.
// Reservations hold stock for an order until an expiry and end committed,
// released or expired.
//
// It may import the standard library and the domain kernel only.
package inventory
