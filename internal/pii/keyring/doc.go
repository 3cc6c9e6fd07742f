// Package keyring keeps souq's per-customer data keys (pii.Keyring) in a
// table beside the events: in the SQLite event-store file (its own pool,
// secure_delete on) or in the PostgreSQL event store's schema. Keys may be
// wrapped by a master key kept outside the database.
//
// It may import internal/pii, the SQLite and pgx drivers and the standard
// library.
package keyring
