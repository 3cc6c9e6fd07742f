// Package eventstore is the port every event-store backend implements, and the
// pieces they share: the envelope and its metadata, expected revisions, typed
// errors, input validation, the explicit registry of event types with their
// schema versions and upcasters, and the catch-up subscription loop.
//
// Backends live in sub-packages (sqlite, postgres, kurrent, memory) and all
// pass the one acceptance suite in eventstoretest.
//
// It may import only the standard library.
package eventstore
