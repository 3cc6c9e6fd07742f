// Package searchtest is the acceptance suite every search.Index runs: it
// feeds a generated catalog (products, stock, reviews, orders) through the
// real projector and checks what shoppers rely on against a direct count
// over the fixture: filters, facet counts, Arabic spellings, typos, sorts,
// pagination without duplicates or gaps, suggest, stale and redelivered
// events, delisting.
//
// It may import search, its projector and catalog, the domain and the
// eventstore port.
package searchtest
