// Package projections is souq's read side: the runner that feeds events from
// the event store to projectors, with one checkpoint per projector,
// batching, retries with backoff, parking of poison events, rebuilds into a
// shadow and lag metrics; and, one sub-package per read model, its writer and
// reader, with adapters (PostgreSQL, SQLite, Elasticsearch, Redis, Qdrant,
// Kafka outbox) in subfolders.
//
// The runner (this package) works through database/sql on PostgreSQL or
// SQLite; a Dialect holds every difference between them (parameters, the
// auto-numbered key, the catalog query, the migration lock), and every
// statement is written once. Its own tables (souq_projection_*) are
// created by versioned migrations. Guarantees:
//
//   - An SQL projector's rows and its checkpoint commit in one transaction,
//     and the checkpoint moves only from where the runner read it (compare
//     and set), so duplicated deliveries, restarts and even two runners of
//     the same projector apply each event exactly once.
//   - An Idempotent projector (a sink without transactions) gets each event
//     at least once; the checkpoint is saved after the sink acknowledged,
//     and writes keyed by aggregate ID and stream revision (Fresh,
//     Versions) make redelivery harmless.
//   - A failing batch is retried with exponential backoff, then bisected;
//     the one event that keeps failing is parked (with its error) and the
//     projector moves on; other projectors never wait for it.
//   - Rebuild builds shadow tables from position zero while the live ones
//     serve, then swaps them by renaming in one transaction.
//
// It may import domain, the eventstore port and its adapters' clients;
// never commands or writeapi: projectors record what happened, they never
// issue commands (process managers on the write side do). Drivers are the
// caller's choice: this package imports none.
package projections
