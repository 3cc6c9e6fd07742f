// Package auth owns who a request comes from: verifying JWT bearer tokens
// (algorithm pinned, signature, expiry, issuer and audience checked, "none"
// refused), turning claims into an Actor with one of souq's roles, the
// middleware that answers 401 without or with a bad token, and the HS256
// secret of the embedded default, generated into the data dir on first
// start. Ownership (a vendor's own SKU, a customer's own order) is decided by
// the routes, which load the aggregate; this package only says who asks.
//
// Both APIs use it: the write API through Require, the read API through
// Authenticate and its own role table. So it may import only the standard
// library, golang-jwt/jwt/v5 and httpx (to render problems); never the
// event store (the read API may not reach it: the write side turns an Actor
// into event metadata itself), commands or a driver.
package auth
