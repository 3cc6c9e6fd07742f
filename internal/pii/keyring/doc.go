// Package keyring keeps souq's per-customer data keys (pii.Keyring) in a
// table beside the events: in the SQLite event-store file (its own pool,
// secure_delete on) or in the PostgreSQL event store's schema. Keys may be
// wrapped by a master key kept outside the database.
//
// A keyring opens only when its stored keys agree with its master key, so
// none is found unreadable later, one read at a time. Setting a master
// key later is the migration: the first open with it wraps the keys
// stored plain. Removing it is refused (ErrMasterKeyMissing) until
// Unwrap, run with the master key, has stored them plain again; another
// master key is refused (ErrWrongMasterKey).
//
// It may import internal/pii, the SQLite and pgx drivers and the standard
// library.
package keyring
