// Package memindex is the embedded scent.Index: exact cosine top-k in
// process, for any dimension.
//
// Vectors are kept sparse (a scent vector has some 20 non-zero values out
// of 253) in inverted lists, one per dimension: a query adds q[d]·p[d]
// into a score per point only along its own non-zero dimensions, so a
// point sharing none of them has a dot product of exactly 0 and is never
// touched. That is exact, not approximate: every point's cosine is what a
// brute-force scan computes, at a cost proportional to the lists walked.
// A query that keeps only products sharing a top note with a list
// (Filter.TopAny: similar-products) does not walk those lists — season,
// longevity and sillage put nearly every point in them — but scores just
// the points listed under its top notes, each by its own sparse vector,
// stored one after another in slot order: equally exact, as only those
// points can pass the filter, and some 15× less work at 100,000 products.
// Points are replaced by writing a new slot and retiring the old one; the
// lists are compacted when retired slots outnumber live ones.
//
// It holds everything in memory: on restart it is empty, so the wiring
// resets its projector's checkpoint at start (cmd/souq) and the projector
// rebuilds it from the event log.
//
// It may import the standard library and scent.
package memindex
