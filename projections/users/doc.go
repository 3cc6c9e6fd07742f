// Package users is the users read model: per account its role, email and
// profile, and its address book (the addresses checkout ships to) with the
// default, for GET /v1/me. Its reader lives in userq.
//
// It holds personal data (email, name, phone, addresses) read through the
// event store's pii layer, so user.forgotten blanks the account's row
// (kept as a tombstone, so a redelivered user.registered cannot bring it
// back) and deletes its addresses; a rebuild after a Forget ends the same.
//
// It may import domain, the eventstore port and projections.
package users
