// Package user holds the commands on the accounts of domain/user: register
// (claim the email, then open the account), log in (bcrypt, lockout, a new
// refresh-token session), refresh (rotate, revoke on reuse), log out, and the
// profile, address-book and role changes. Passwords are hashed here with
// bcrypt; the domain only ever sees hashes, and refresh tokens are stored
// as SHA-256 hashes only.
//
// It may import commands, domain, the eventstore port and
// golang.org/x/crypto/bcrypt; never a driver, never the HTTP layer.
package user
