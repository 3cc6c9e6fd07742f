// Package testenv finds the real servers integration tests run against
// (PostgreSQL, Redis, and the optional ones), and decides whether a missing
// one skips the test or fails it: SOUQ_TEST_REQUIRE=postgres,redis (as CI
// sets it) turns a skip into a failure.
//
// It may import only the standard library and is imported only by tests.
package testenv
