// Package outbox publishes souq's integration events: Mapper turns stored
// domain events into the published, versioned payloads of package
// integration; Projector is the checkpointed outbox that hands them to a
// Publisher (Kafka in production), as the runner's Idempotent kind; Feed
// serves the same events from the store for the embedded HTTP feed.
//
// Delivery is at least once and nothing is lost: the runner saves the
// checkpoint only after Handle returned, and Handle returns only once the
// broker acknowledged the whole batch (or ctx ended). A broker outage or a
// store read that failed is returned as projections.Transient, which the
// runner retries with backoff until it passes and never parks (the outbox
// shows as failing meanwhile). Only an event that cannot be mapped
// (ErrUndecodable) is returned plainly, so the runner parks that one event
// and an operator can replay it.
//
// It may import domain, integration, the eventstore port and projections;
// never a Kafka client (the Publisher port is implemented in internal/kafka),
// never commands.
package outbox
