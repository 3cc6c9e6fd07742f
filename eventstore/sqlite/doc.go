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
// Tamper evidence (eventstore/integrity): the writer chains each event's hash
// to the previous event of its stream and to the previous position, inside
// the append's transaction under the write lock (so a batch's events chain to
// each other, and another process's appends are seen), and signs a checkpoint
// every CheckpointEvery events in the same transaction and on a clean close.
// VerifyIntegrity walks the file in one read snapshot. The table checkpoints
// and the columns hash and global_hash come with migration 2, which hashes
// the events already stored; migration 3 chains the checkpoints (seq,
// previous). Before signing, the writer checks the events since the newest
// checkpoint and signs nothing over events that do not verify; it also
// compares the head with the last event it committed, to catch a rewrite
// that recomputed every hash (see eventstore/integrity).
//
// It may import eventstore, eventstore/integrity, the standard library and
// modernc.org/sqlite.
package sqlite
