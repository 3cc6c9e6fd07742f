// Package kpiq reads the admin KPI view that package kpis writes: daily
// GMV, orders, average order value, cancellations and payment failure rate
// per currency over a range of days, and orders by status.
//
// It imports only the standard library, so the read API can use it without
// reaching the event store; the caller passes its dialect's rebind.
package kpiq
