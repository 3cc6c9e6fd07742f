// Package postgres is the PostgreSQL backend of eventstore.Store, on pgx/v5.
//
// It owns its tables, which live in one schema (Options.Schema): events,
// streams, es_head and schema_migrations. Open creates and migrates them with
// versioned migrations, applied in one transaction under a
// pg_advisory_xact_lock, so two processes starting at once do not race.
//
// # Global order that never skips
//
// A plain bigserial read by "position > last" skips events: positions are
// handed out when a transaction inserts, but transactions commit in another
// order, so a reader may see position 8 committed while 7 is still in flight,
// move its cursor to 8, and never see 7.
//
// The cure here is to serialize position assignment through a one-row counter,
// es_head. Each append transaction first locks that row (SELECT … FOR UPDATE),
// checks expected revisions and retries under the lock, inserts its events at
// the positions after the counter, and sets the counter to its last position.
// The row lock is held until the transaction ends, and PostgreSQL releases
// locks only after the commit is visible to other snapshots. So the next
// appender cannot even learn its first position before the previous one is
// visible: commit order equals position order, positions are gap-free (a
// rolled-back transaction never moved the counter), and readers simply read
// "position > after ORDER BY position". Several processes serialize correctly
// through the same row lock.
//
// The price is that appends are serial across the whole store. Throughput is
// kept by group commit: appends of one process go through one writer goroutine
// that takes every request waiting and commits them together in one
// transaction, one lock acquisition and one WAL flush. Each request is checked
// on its own (tracking revisions changed earlier in the same batch); a request
// that fails its check fails alone, and if the transaction fails, every
// request in it gets the error.
//
// A batch is one round trip: one statement in autocommit calling
// append_batch, a PL/pgSQL function installed by migration 2, which takes
// the lock, decides every request (stored event IDs, expected revisions),
// writes the events, streams and counter, and sends NOTIFY. It is the one
// place where the decisions are made; the Go side only shapes the requests
// into arrays and hands out the answers (a request whose IDs are stored gets
// eventstore.MatchRetry's verdict, retry or ID reuse, as on every backend).
// The pool's sessions pin READ COMMITTED, and the function pins
// synchronous_commit=on for its own transaction.
//
// Reads scan the rows' raw bytes and parse the metadata's one written shape
// by hand, falling back to encoding/json for anything else (read.go).
//
// The other known cure, stamping rows with pg_current_xact_id() and reading
// only below the snapshot's xmin, lets appenders commit in parallel but makes
// every reader lag behind the oldest running transaction (any transaction in
// the database, not only appends) and needs a two-part cursor; positions would
// no longer be gap-free. The row lock keeps the contract simple and, with
// group commit, costs little (see docs/benchmarks/eventstore-postgres.md).
//
// # Live subscriptions
//
// An append transaction sends NOTIFY, which PostgreSQL delivers only on
// commit. A dedicated connection LISTENs (reconnecting when it drops) and
// turns notifications into an eventstore.Signal. The notification is only a
// wake-up: subscribers always read through ReadAll, via eventstore.Follow,
// with a poll fallback, so a lost notification delays an event by at most
// Options.Poll and never loses it.
//
// # Tamper evidence
//
// Migration 3 adds each event's hash, chained in its stream, and its global
// hash, chained over positions (see eventstore/integrity), and a table of
// signed checkpoints. The writer computes each event's content digest in Go;
// append_batch reads the hashes to chain to (the streams' last events', the
// head's) under the counter lock, in the statement that reads the revisions,
// and chains the batch's events in order, so events of one batch chain to
// each other. Checkpoints are signed in Go (the key never reaches the
// server) after the batch that crosses each CheckpointEvery, and on close;
// a missed one costs only coverage until the next. Migration 4 chains them
// (seq, previous); signers of one schema take turns under an advisory lock,
// and each checks the events since the newest checkpoint first, signing
// nothing over events that do not verify. The check and the signature run
// beside the writer, one at a time, so batches do not wait for them. VerifyIntegrity walks the log in
// one REPEATABLE READ snapshot.
//
// It may import eventstore, eventstore/integrity, pgx/v5 and the standard
// library.
package postgres
