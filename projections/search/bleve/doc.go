// Package bleve is the embedded search backend: a Bleve index on disk in
// the data directory, one directory per mapping version. It implements
// search.Index. Records (the projector's state) and the stored documents
// live in a bbolt file beside each index (index.go says why and in which
// order a Save writes them).
//
// Text is scored; filters are not (a boolean query's filter clause, or the
// whole query run unscored when there is no text). Queries without text
// take their facets from bitmaps and columns kept in memory (facets.go,
// loaded from the stored documents at open) rather than from Bleve's doc
// values: at 100,000 products that is the difference between some 170 ms
// and 4 ms per filtered search with every facet.
//
// It may import search, the domain kernel, Bleve and bbolt.
package bleve
