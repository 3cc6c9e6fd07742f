// Package scenttest is the acceptance suite every scent.Index runs: the
// revision rule (stale never overwrites newer, tombstones hold their
// revision), exact top-k by cosine against a brute-force oracle over a
// generated catalog, every filter, the projector's state, and the real
// projector fed the search fixture's event log (twice, to prove redelivery
// changes nothing).
//
// It may import scent, its projector, the search fixture (searchtest) and
// catalog, and the domain.
package scenttest
