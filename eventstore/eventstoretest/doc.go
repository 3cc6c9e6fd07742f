// Package eventstoretest is the one acceptance suite every event-store
// backend runs: a backend's test calls Run with a Harness that makes fresh
// stores, and passes only if it keeps every promise of eventstore.Store.
//
// It may import eventstore and the standard library (and testing helpers);
// it is imported only by tests.
package eventstoretest
