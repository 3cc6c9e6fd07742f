// Package process holds souq's process managers: checkpointed consumers of
// events that issue commands (checkout, reservation expiry, fulfilment,
// returns and refunds, cashback and vendor earnings).
//
// Every command a manager issues has a command ID derived from the event
// that triggered it and the step's purpose (commands.DeriveID), its
// causation is that event and its correlation the original command's, so a
// redelivered or replayed event is a harmless replay: the executor finds
// the step's events already stored and writes nothing. Managers keep no
// state of their own: what a step needs is in the event or in the
// aggregates it reads back (an order's lines, a payment's order), and the
// IDs of what they create (reservations, holds, payments, refunds) are
// derived from the order, so every later step can name them again.
//
// Managers are run by cmd/souq through the projections runner's Idempotent
// kind (at least once, checkpoint after Handle returned): a step that fails
// makes Handle fail, the runner delivers the batch again, and the steps that
// already succeeded replay as no-ops. Timers (reservation expiry, cashback
// and earnings falling due) are Sweepers: they rebuild their due list from
// the log and fire on a ticker with an injected clock.
//
// It may import commands and its sub-packages, domain and the eventstore
// port; never projections, readapi, writeapi or a driver.
package process
