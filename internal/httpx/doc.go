// Package httpx owns what the write API and the read API share: the one
// application/problem+json error renderer and its table from error kinds to
// HTTP statuses, request logging with an error ID, panic recovery, security
// headers, per-server Prometheus metrics, GET /healthz, GET /readyz,
// GET /metrics and GET /openapi.json built from the registered operations.
//
// It may import the standard library, domain (the kernel, for its error
// kinds), gorilla/mux and the Prometheus client;
// never eventstore, commands, projections or a driver, because readapi
// imports it and readapi must stay clear of those. Errors of other layers
// reach the renderer through Classifiers that writeapi and readapi supply.
package httpx
