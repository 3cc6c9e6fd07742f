// Package elastic is the distributed search backend: search.Index over
// Elasticsearch 8 (github.com/elastic/go-elasticsearch/v8).
//
// The engine owns the layout. For an alias A (souq-products unless told)
// and search.MappingVersion N it creates two indexes: A-vN holds the
// searchable documents (analyzer, fields and sorts below) and A-records-vN
// the projector's records. Reads go through the alias A; writes go to A-vN.
// A new mapping version builds A-vN beside the live A-v(N-1), which keeps
// serving until Promote swaps the alias and drops the old index in one
// atomic _aliases call: no moment without an index behind A.
//
// The analyzer is generated from search.ArabicMappings (one mapping char
// filter per rule), then the standard tokenizer, lowercase and
// arabic_normalization; fuzziness is search.Fuzziness per term (the same
// edit distances as Bleve, transpositions counting two as in Bleve's
// Levenshtein); facets are terms and range aggregations; pages use
// search_after with the ID as the last sort key; suggest runs prefix
// queries on fields indexed with index_prefixes (edge n-grams kept by
// Lucene), best sellers first.
//
// Elasticsearch has no transactions, so writes are at-least-once and
// idempotent: one _bulk per Save (records and documents, refresh=wait_for
// so a search after Save sees it), each document written with its product
// stream revision as an external_gte version. A write carrying an older
// revision than the stored one is refused by Elasticsearch (409) and
// skipped: a stale delivery never overwrites a newer document, while stock,
// rating and sales changes (same revision) still go through.
//
// It may import search, the domain kernel and the Elasticsearch client.
package elastic
