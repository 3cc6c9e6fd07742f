// Package boltstate keeps opaque records by key in a bbolt file: the
// embeddings of product images when the scent indexes live in process, so
// that a restart, which rebuilds those indexes from the event log, reads
// each image's embedding back instead of asking the model again.
//
// It may import the standard library and bbolt.
package boltstate
