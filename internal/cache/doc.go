// Package cache is the cache port (Cache) and its in-process
// implementation (Memory), for the embedded default; cache/redis is the
// distributed one and cachetest the acceptance suite both pass.
//
// The port offers two kinds of entry, both keyed by what they are of, both
// refusing a stale write so that at-least-once projectors and racing
// readers cannot bring old data back:
//
//   - Versioned entries (Fill, Load, Invalidate): a value stamped with the
//     stream revision it was read at, kept for a TTL. Invalidate(rev) drops
//     a value older than rev and leaves a floor: until the floor expires,
//     Fill refuses any value older than rev. That closes the classic
//     cache-aside race in which a reader fills the cache from a read model
//     that has not yet caught up with the event that invalidated it.
//   - Counters (Add, Counters): integer fields in groups under a key; a
//     group is one event stream and carries its revision, and Add applies
//     deltas only for a newer revision (compare-and-add, atomic), so a
//     redelivered or stale event changes nothing.
//
// It may import the standard library only.
package cache
