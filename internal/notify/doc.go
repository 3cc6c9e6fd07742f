// Package notify owns how souq reaches a customer outside the app: the
// Notifier port (one channel each: log, email, SMS, WhatsApp), its adapters
// (a log notifier, SMTP email over net/smtp, Twilio-style SMS and Meta
// WhatsApp Cloud API over HTTP) and the message templates, English and
// Arabic, in one place (templates.go).
//
// Adapters classify failures: an outage (network error, 5xx, 429) is
// returned as is, to be retried; a refusal that retrying cannot fix (a bad
// number, a 4xx) wraps ErrRejected.
//
// It may import the standard library and domain; nothing of the read or
// write side: the notification projector (projections/notifications) drives
// it.
package notify
