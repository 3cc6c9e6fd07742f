// Package audit is the audit-log read model: one row per stored event with
// the command that caused it (command, correlation and causation IDs, the
// actor's user and role) and where it landed (stream, revision, global
// position, time), so an auditor can ask who did what, to which aggregate,
// and when.
//
// The rows are keyed by global position and written with ON CONFLICT DO
// NOTHING, so the view is idempotent on its own: any delivery, repeated or
// in any order, ends with the same rows. Its reader and row types live in
// auditq, which the read API imports.
//
// It may import eventstore (the events it reads), projections (the runner
// contract) and auditq; never commands or writeapi.
package audit
