// Package pgtest gives a test a PostgreSQL schema of its own on the server
// testenv finds, dropped when the test ends, so tests never meet each
// other's tables.
//
// It may import internal/testenv, pgx and the standard library, and is
// imported only by tests.
package pgtest
