// Package integration holds souq's published integration events: the topics
// the marketplace's other services consume, each payload's JSON schema as a
// Go struct with its own version, the envelope the HTTP feed serves, the
// Kafka header names, and Window, the duplicate filter consumers use.
//
// These schemas are a public contract, versioned apart from the domain
// events: a domain event may change shape (with an upcaster) while the
// payload published from it stays byte for byte the same. The golden files
// in testdata pin every current version; a change that breaks one is a new
// version (OrderCreatedV2 beside V1, published under a raised
// SchemaVersion), never an edit of an old one.
//
// It imports only the standard library, so any Go service can import it
// without souq's internals; the mapping from domain events lives in
// projections/outbox.
package integration
