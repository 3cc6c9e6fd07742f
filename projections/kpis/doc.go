// Package kpis is the admin KPI read model: per day (UTC) and currency the
// orders placed, their value (GMV), cancellations, payment attempts and
// failures; and the number of orders in each lifecycle state now. Every
// figure is a counter maintained as events arrive, so a report reads at
// most one row per day and currency, never an aggregate over orders.
//
// An order's figures count on the day it was placed, a payment failure on
// the day of its attempt; that needs the order's and the payment's day, so
// the view keeps one small row per order and per payment, read by key only.
//
// The runner's exactly-once delivery is the view's contract (counters are
// not idempotent on their own). Every figure depends only on each
// aggregate's own order of events, so any interleaving of streams ends with
// the same rows.
//
// Its reader and row types live in kpiq. It may import domain, eventstore,
// projections and kpiq; never commands or writeapi.
package kpis
