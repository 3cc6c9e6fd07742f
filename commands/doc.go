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
