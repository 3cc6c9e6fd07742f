// Package search owns product search: the one query model both backends
// answer (full text in English and Arabic, filters with facet counts, sorts,
// search-after pagination, autosuggest), its validation, the Arabic
// normalisation both analyzers are built from, the document shape, and the
// ports: Searcher for readers and Index for the projector that feeds it.
//
// It is the reader-side package: readapi imports it, so it may import the
// standard library and the domain kernel only — never the event store. The
// projector lives in search/projector, the adapters in search/bleve and
// search/elastic, the acceptance suite every adapter runs in
// search/searchtest.
package search
