// Package readapi is souq's query side over HTTP: the router of the read API,
// its health, readiness, metrics and OpenAPI endpoints (from httpx), and the
// /v1 query routes, which read projections (read models) only. Bearer
// tokens are verified by internal/auth (Authenticate); each route names the
// roles that may call it.
//
// It may import httpx, internal/auth, domain and the readers of
// projections; never commands or eventstore (reads go through read models,
// not the event log), nor writeapi. Its readiness checks arrive as
// functions from cmd/souq.
package readapi
