// Package review owns a customer's review of a product: one per customer and
// product (the stream is keyed by both), written only after an order with
// the product was delivered, rated 1–5, and moderated by admins. Ratings
// reach the search facets and product pages through projections.
//
// It may import the standard library and the domain kernel only.
package review
