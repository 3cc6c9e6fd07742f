// Package domain is the shared kernel of souq: money in integer minor units
// with its currency, VAT by country, identifiers, the Event interface and the
// aggregate bookkeeping (Root), and the error kinds and stable codes every
// refusal carries. One sub-package per aggregate (order, payment, wallet,
// shipment, inventory, product, vendor) holds its state, decisions, events
// and rules; aggregates take `now` as an argument and never read a clock.
//
// It may import only the standard library and other domain packages; no
// package of ours outside domain, and no driver.
package domain
