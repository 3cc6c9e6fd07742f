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
// Every N events and on clean close the writer stores (position, global,
// HMAC-SHA256(key, "souq-checkpoint-v1" || position || global)). Without the
// key, someone who edits an event and recomputes every hash after it still
// fails the next checkpoint. A key kept in the data directory beside the log
// only protects against accidental or casual edits; a real deployment keeps
// it elsewhere (SOUQ_INTEGRITY_KEY).
//
// What checkpoints cannot cover: events after the last checkpoint can be
// rewritten with their hashes by someone with write access, and the next
// checkpoint (or the one signed on close) then signs the rewrite; deleting
// checkpoint rows is not detected, only what they would have caught. An
// interval of N bounds the first exposure to N events; a key kept away
// from the database is what makes the rest hold.
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
