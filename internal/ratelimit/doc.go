// Package ratelimit is the rate-limit port (Limiter) and its in-process
// implementation (Memory), for the embedded default. The Redis
// implementation, for several write instances sharing one budget, is in
// ratelimit/redis; ratelimittest is the acceptance suite both pass.
//
// Both count a fixed window per key that starts at the key's first request
// and lasts Policy.Window: simple, exact within a window, one counter per
// key. Its known weakness: a client can spend its budget at the end of one
// window and again at the start of the next, so up to 2×Limit requests can
// land within one Window across the boundary. For a 100/min abuse guard that
// is acceptable, and it is what Redis does atomically in one round trip.
//
// It may import the standard library only.
package ratelimit
