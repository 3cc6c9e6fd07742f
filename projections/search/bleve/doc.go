// Package bleve is the embedded search backend: a Bleve index on disk in
// the data directory, one directory per mapping version. It implements
// search.Index. Records (the projector's state) live in the index's internal
// key-value store and are written in the same batch as the documents, so a
// Save is atomic.
//
// It may import search, the domain kernel and Bleve.
package bleve
