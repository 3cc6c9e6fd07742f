// Package eventstoretest is the one acceptance suite every event-store
// backend runs: a backend's test calls Run with a Harness that makes fresh
// stores, and passes only if it keeps every promise of eventstore.Store.
//
// Run covers reads forwards and backwards, every expected revision, retries
// (also raced), ID reuse, the envelope round-trip, concurrent appenders on
// one stream, a subscriber tailing $all while many streams are appended,
// ReadAll suffixes and Head, how subscriptions end, restarts (with
// Harness.Reopen), large events, hostile input and Close. Beyond the port's
// documented promises it expects that a second Close is harmless (the
// harness's cleanup closes a store the Close case already closed).
//
// Counts are modest so a run against a real PostgreSQL with -race stays
// within seconds; every wait is bounded (30 s at most) so a broken backend
// fails instead of hanging.
//
// It may import eventstore and the standard library (and testing helpers);
// it is imported only by tests.
package eventstoretest
