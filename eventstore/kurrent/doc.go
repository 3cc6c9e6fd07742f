// Package kurrent is the KurrentDB (EventStoreDB) backend of eventstore.Store,
// built on the KurrentDB Go client (github.com/kurrent-io/KurrentDB-Client-Go,
// package kurrentdb) over gRPC.
//
// It may import eventstore, the KurrentDB client (and its google.golang.org
// dependencies) and the standard library. Only cmd/souq wires it in.
//
// # Mapping
//
// Streams. Our stream S is KurrentDB stream Options.StreamPrefix+S. The
// prefix is a namespace: ReadAll, Subscribe and Head see only streams that
// carry it, so several souq deployments (or test cases) can share one server.
// Prefixes of one server must not be prefixes of one another.
//
// Events. Event ID → the event's UUID. Type → the event type. Data → the
// event data as is, content type application/json. Schema version and
// Metadata → the event's custom metadata, one JSON object: the fields of
// eventstore.Metadata under their JSON names, "schema_version", and
// "$correlationId"/"$causationId" copies so KurrentDB's own projections
// ($by_correlation_id) understand them. RecordedAt is stamped by the client
// (Options.Now) when it is zero, since KurrentDB's created date is not ours
// to set.
//
// Positions. Our Position is the commit position of the event in $all: it
// increases in $all order but leaves gaps (it is a byte offset in the
// transaction log), so nothing may assume N+1 follows N. Reading after a
// position needs KurrentDB's full Position{Commit, Prepare}. Events appended
// without explicit (legacy TCP) transactions are written as self-committed
// prepares whose commit position equals their prepare position, which is all
// this package ever writes; so Position p maps back to {Commit: p,
// Prepare: p}. Every event read is checked for it and a violation is an error,
// not a silent misplacement. ReadAll and Subscribe therefore accept only 0 or
// a position this package returned.
//
// Global order never skips: KurrentDB has a single writer that assigns log
// positions in commit order, and $all reads only up to the committed
// (replicated) checkpoint, so an event can never appear before an earlier one.
//
// System events (streams or types starting with "$": statistics, projections'
// links, stream metadata) are filtered out of ReadAll, Subscribe and Head.
// Our own stream names cannot start with "$" (eventstore.Limits refuses them)
// and our types cannot either (the wire-name pattern refuses them).
//
// # Expected revisions and idempotency
//
// KurrentDB's own mapping would be Any → Any, NoStream → NoStream,
// StreamExists → StreamExists, Exact(n) → Revision(n), and it is idempotent on
// event IDs only partly: with Any it consults a cache of recent IDs and writes
// duplicates on a miss; with a revision it compares IDs at the expected
// revisions only, never the types, and writes duplicates of IDs stored
// elsewhere in the stream. The port promises more (a retry of the same IDs,
// even with a stale expected revision, returns the first result and writes
// nothing; partial or reordered reuse is an *IDReuseError), so Append does:
//
//  1. Validate with Limits.ValidateAppend, before any I/O.
//  2. Read the stream (all of it the first time, only what is new on a later
//     attempt) and look for the append's event IDs. If any is there, the
//     answer is eventstore.MatchRetry's: the first append's result or an
//     *IDReuseError. Nothing is written.
//  3. Check the caller's expected revision against what was read
//     (ExpectedRevision.Check): a mismatch is an *eventstore.ConflictError
//     carrying the actual revision.
//  4. Append with the revision that was read as KurrentDB's expected state
//     (NoStream, or Revision(last)). Whatever the caller asked, the write is
//     therefore conditional on nothing having changed since step 2. A
//     WrongExpectedVersion answer means another writer got in between: go back
//     to step 2 (at most Options.MaxAttempts times, so an Any append to a
//     stream many writers hammer at once can give up with an error).
//  5. Read back the append's last event for its exact $all position (and to
//     confirm it carries our ID), rather than trusting the write result's
//     position fields, whose meaning for multi-event appends the client does
//     not document.
//
// The price is two reads per append, one of them of the whole stream: fine for
// aggregate streams (tens to hundreds of events), costly for huge ones.
//
// What KurrentDB cannot give: an event ID is unique within its stream, not
// across streams. KurrentDB keeps no index of event IDs, so an append that
// reuses an ID stored in another stream is written, where the SQL backends
// refuse it with ErrIDReuse. (KurrentDB 25.1's multi-stream append could fix
// this by claiming a "souq-id-<uuid>" stream per event, expected NoStream, in
// the same atomic append; not done: it doubles the events written and needs a
// 25.1 server.)
//
// # Errors
//
// Not found (and deleted or tombstoned) streams on read →
// *eventstore.StreamNotFoundError. A closed client → eventstore.ErrClosed.
// Everything else is wrapped with %w, so callers can still errors.As a
// *kurrentdb.Error (unavailable, deadline, not leader, access denied …).
//
// # Subscribe
//
// SubscribeToAll (catch-up then live) with a server-side filter (event types
// not starting with "$", or the stream prefix), from the last position handed
// to handle; events arriving together are handed over in batches. A dropped
// subscription is re-opened from the last delivered position after a short
// back-off, so nothing is skipped or handed over twice.
//
// # Connection
//
// Open parses the connection string ("kurrentdb://127.0.0.1:2113?tls=false")
// and does not dial: the client connects on the first call. A readiness check
// should call Head.
//
// Server settings relied on: KURRENTDB_MAX_APPEND_SIZE at least
// Limits.MaxAppendBytes plus overhead (docker-compose raises it to 32 MiB;
// the default 1 MiB refuses our large appends), and the client's 17 MiB
// receive limit covers one 4 MiB event per gRPC message.
package kurrent
