// Package notifications owns the notification projector: it tells
// customers, by every configured channel (internal/notify), that their
// order was confirmed, shipped, is out for delivery, was delivered, or was
// refunded — once per event per channel.
//
// "Once" is a sent-log table in the read-model database, keyed by (event
// ID, channel) and written after the provider acknowledged; a redelivered
// event finds its row and sends nothing. A provider outage is
// projections.Transient: the runner retries the batch with backoff on this
// projector's own worker, never parking it and never holding back the
// other projectors. A provider's refusal (notify.ErrRejected) is recorded
// as such and not retried. The log survives Reset, so a replay from zero
// re-notifies no one.
//
// It may import domain, the eventstore port, projections and
// internal/notify; never commands or writeapi.
package notifications
