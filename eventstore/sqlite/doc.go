// Package sqlite is the embedded default event store: one SQLite file in WAL
// mode, written by a single goroutine that commits concurrent appends
// together (group commit), read through a separate pool of connections.
//
// It owns the schema of its file (tables events, streams and
// schema_migrations) and migrates it itself. Durability is synchronous=FULL:
// an acknowledged append has been fsynced to the write-ahead log and survives
// kill -9 and power loss. Positions are assigned inside the writer's
// transaction under SQLite's write lock, so commit order is position order and
// $all never shows a gap, even when another process (a CLI) appends to the
// same file.
//
// It may import eventstore, the standard library and modernc.org/sqlite.
package sqlite
