// Package commands is souq's write side: each command loads an aggregate from
// the event store, lets the domain decide, and appends the resulting events
// with the expected revision, with idempotency keys and bounded retries on
// conflicts. Sub-packages hold one aggregate's commands and the ports they
// need (payment gateway, carrier, clock); commands/process holds the process
// managers (checkout, fulfilment, returns, cashback, reservation expiry).
//
// It may import domain and the eventstore port, and declares its own ports;
// never a driver or adapter (eventstore/sqlite|postgres|kurrent, pgx, redis,
// kafka, stripe, minio…), nor readapi, writeapi or projections. cmd/souq
// plugs the adapters in.
package commands

// How a command runs (Execute): read the stream, decode each event with the
// registry (NewRegistry lists every domain event type explicitly) and Apply
// it; decide; append the aggregate's Changes() expecting the revision it was
// loaded at (NoStream for a new stream). A conflict reloads and decides again,
// a bounded number of times with jittered backoff, then is refused as
// command.concurrency_conflict (409). Decide is the same without the append:
// a dry run for quotes.
//
// Idempotency: event IDs are UUIDv5 of (command ID, request hash, stream,
// index in the decision), never of the attempt. The HTTP layer derives the
// command ID from (user, Idempotency-Key) with IdempotentID and passes a
// digest of the body as Meta.RequestHash. A repeated request finds its own
// events in the stream (their metadata carries the command ID) and gets the
// first result back, Replayed; if it raced the first and loaded before it
// was stored, it sends the same IDs and the store's retry path answers. The
// same key with another body would derive other IDs: the stored events'
// IDs do not match and it is refused as command.idempotency_key_reused
// (409), with nothing written. The port has no field for the hash, so it is
// folded into the IDs instead. Limits: a decision that raised nothing leaves no trace to compare against,
// and a racing duplicate answered by the store's retry path is not flagged
// Replayed (eventstore.AppendResult cannot say so).
