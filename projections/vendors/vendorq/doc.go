// Package vendorq reads the vendor dashboard view that package vendors
// writes, in one read-only transaction so its parts agree.
//
// It imports only the standard library, so the read API can use it without
// reaching the event store; the caller passes its dialect's rebind.
package vendorq
