// Package integrity is the tamper evidence the SQL event stores share: the
// hashes each event is chained with, the signed checkpoints over the global
// order, and the walk that checks a whole log against both.
//
// # Hashes
//
// Each event gets three values, all SHA-256:
//
//	digest = H("souq-event-v1" || len‖stream || len‖event_id || len‖type ||
//	           schema_version || len‖data || len‖metadata || recorded_at)
//	hash   = H(prev_hash_of_stream || revision || digest)   // zero hash before revision 0
//	global = H(prev_global || position || hash)             // zero hash before position 1
//
// Fields are length-prefixed (8-byte big-endian), integers 8-byte big-endian,
// recorded_at in unix microseconds as the stores keep it. The digest covers
// everything the caller gave and is computed by the appending goroutine,
// outside any lock; only the two fixed-size links (64 + 8 bytes each) are
// computed under the store's write lock, where the stream's and the log's
// previous values are known. That split is the one change from the brief's
// single hash over (prev, stream, revision, …): it keeps the serialized part of
// an append small whatever the payload size (and lets PostgreSQL compute the
// links in append_batch with sha256() while Go hashes the payloads). Revision
// and position are still bound, through the links.
//
// The stores keep hash and global per event; digest is recomputed on verify.
// The writers read the hashes to chain to from the events themselves (the
// stream's last event, the last position), not from a cached copy that could
// drift, in the statement that reads the revision, under the write lock.
//
// # Checkpoints
//
// Every N events and on clean close the writer stores a checkpoint (seq,
// position, global, previous, signature) with
//
//	signature = HMAC-SHA256(key, "souq-checkpoint-v2" || seq || position ||
//	                        global || len‖previous)
//
// where seq numbers the checkpoints 1, 2, … and previous is the signature of
// the checkpoint before (kept in the row, so each signature can be checked
// on its own). Without the key, someone who edits an event and recomputes
// every hash after it still fails the next checkpoint; someone who deletes
// or reorders checkpoints breaks their chain, and the walk names the
// sequence numbers missing and the positions they lay between. Checkpoints
// signed before the chain existed (seq NULL) verify as they were signed
// (HMAC over "souq-checkpoint-v1" || position || global) and are not
// chained to each other; the first chained one chains to the newest of them.
// A key kept in the data directory beside the log only protects against
// accidental or casual edits; a real deployment keeps it elsewhere
// (SOUQ_INTEGRITY_KEY).
//
// Before signing, the writer checks the events since the newest checkpoint
// (Since: at most N events, each one's content against its hash — chained to
// the stored hash of its stream's previous event, wherever it is — and the
// global chain from the checkpoint's signed hash). When they do not verify,
// it logs an error and signs nothing more after that checkpoint: appends go
// on, and souq verify names the change. An event rewritten together with
// its own hashes matches them and chains to the event before; the event
// after it does not chain to it, and the walk names the rewritten one as
// edited.
//
// What checkpoints cannot cover:
//
//   - The newest checkpoints deleted: the chain that is left is whole, and
//     nothing in the data says it was longer. Only a copy of the latest
//     sequence number kept elsewhere (a log line, a monitor) would show it;
//     deleting them with the events they signed looks like a shorter log.
//   - A rewrite after the newest checkpoint that recomputes every hash from
//     the changed event to the head is consistent data. The SQLite writer
//     remembers the global hash of the last event it committed: finding
//     another one at that position under the write lock, it signs what it
//     wrote instead, and verification then fails that checkpoint. A writer
//     that just started (and, on PostgreSQL, where append_batch computes the
//     hashes in the server, any writer) has no such memory: the next
//     checkpoint signs the rewrite. An interval of N bounds the exposure to
//     N events, and a key kept away from the database is what makes the
//     rest hold.
//   - Anything a holder of the key does.
//
// # Verification
//
// Walker checks a log fed to it in position order, keeping one hash per stream
// (bounded by the number of streams, not events). Each problem names the first
// position that fails and is classified: missing (a gap in positions or in a
// stream's revisions), edited (content that does not match its hash),
// reordered (revisions out of order, content swapped between two events, or an
// intact event chained at another position), checkpoint (a bad signature, or
// a signed global hash the log no longer has). Checks resynchronise on the
// stored values after a problem, so one tampered event is one problem, not a
// cascade down the log.
//
// It may import eventstore and the standard library.
package integrity
