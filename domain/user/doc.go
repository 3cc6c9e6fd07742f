// Package user owns the people who sign in to souq: a user's registration
// (normalized email, bcrypt password hash, role, the vendor a vendor-role
// user acts for), profile and address book (the addresses checkout ships
// to), failed logins and the lockout after MaxFailures of them, and role
// changes. Two small aggregates sit beside it: Claim, the one stream per
// normalized email that makes emails unique (appended with "no stream"
// expected), and Session, one refresh-token family, which stores only
// SHA-256 hashes of its tokens, rotates on every use and revokes itself
// when an already-used token comes back.
//
// It never sees a password in an event and never hashes one: the command
// layer runs bcrypt and passes the hash. It may import the standard
// library and the domain kernel only.
package user
