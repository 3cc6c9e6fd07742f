// Package viewtest is the test kit of souq's SQL read models: the two
// databases a view is proven on (SQLite always, PostgreSQL when reachable,
// each test in a schema of its own), a history builder appending domain
// events, a store that redelivers what it already delivered, an interleaving
// of streams, and a dump of a view's rows to compare runs.
//
// It is imported by tests only. It may import the eventstore port and its
// memory adapter, domain, projections and the SQL drivers; never commands
// (projections never issue commands, and this package is in their graph).
package viewtest
