// Package projections is souq's read side: the runner that feeds events from
// the event store to projectors, with one checkpoint per projector,
// batching, retries with backoff, parking of poison events, rebuilds into a
// shadow and lag metrics; and, one sub-package per read model, its writer and
// reader, with adapters (PostgreSQL, SQLite, Elasticsearch, Redis, Qdrant,
// Kafka outbox) in subfolders.
//
// It may import domain, the eventstore port and its adapters' clients;
// never commands or writeapi: projectors record what happened, they never
// issue commands (process managers on the write side do).
package projections
