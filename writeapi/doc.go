// Package writeapi is souq's command side over HTTP: the router of the write
// API, its health, readiness, metrics and OpenAPI endpoints (from httpx), the
// /v1 command routes (one strict request decoder for all of them, JWT roles
// and ownership checked against the aggregates, Idempotency-Key, If-Match,
// X-Souq-Position), and from later parts the webhooks. It also owns how
// event-store errors look to a client (conflict 409, invalid 422, stream
// not found 404).
//
// It may import httpx, internal/auth, domain, commands and the eventstore port; never a
// store driver (cmd/souq wires the store in), readapi or projections.
package writeapi
