// Package memory is an in-process event store: a mutex, a slice of events and
// an index per stream and per event ID. It keeps exactly the semantics of the
// eventstore port (gap-free positions from 1, idempotent retries, typed
// errors), so domain and command tests can run without a database, and the
// acceptance suite has a reference backend to prove itself against.
//
// Nothing survives the process: there is no Reopen.
//
// It may import only eventstore and the standard library.
package memory
