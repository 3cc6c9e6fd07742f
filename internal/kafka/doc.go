// Package kafka is souq's Kafka adapter on segmentio/kafka-go: Publisher,
// the outbox's synchronous, acks=all producer of integration events
// (projections/outbox.Publisher), and Consumer, the helper that services
// reading souq's topics use to get each event once (duplicates dropped by
// event ID within a bounded integration.Window).
//
// It may import integration and kafka-go; nothing of the domain, the event
// store or the projections.
package kafka
