// Package auth owns who a request comes from: verifying JWT bearer tokens
// (algorithm pinned, signature, expiry, issuer and audience checked, "none"
// refused), turning claims into an Actor with one of souq's roles, the
// middleware that answers 401 without or with a bad token, and the HS256
// secret of the embedded default, generated into the data dir on first
// start. Ownership (a vendor's own SKU, a customer's own order) is decided by
// the routes, which load the aggregate; this package only says who asks.
//
// It may import the standard library, golang-jwt/jwt/v5, eventstore (for
// its Actor) and httpx (to render problems); never commands or a driver.
package auth
