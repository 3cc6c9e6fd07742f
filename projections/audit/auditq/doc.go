// Package auditq reads the audit-log view that package audit writes: by
// actor, by stream (aggregate), by command and by time range, newest first,
// keyset-paginated on (recorded_at, position).
//
// It imports only the standard library, so the read API can use it without
// reaching the event store. Statements are written with ? for parameters;
// the caller passes its dialect's rebind function.
package auditq
