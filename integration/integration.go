package integration

import (
	"encoding/json"
	"time"
)

// Topics, one per integration event type. The topic is also the event's
// type in the Type header and in the feed.
const (
	TopicOrderCreated     = "order.created"
	TopicOrderUpdated     = "order.updated"
	TopicPaymentCompleted = "payment.completed"
	TopicInventoryUpdated = "inventory.updated"
	TopicUserRegistered   = "user.registered"
	TopicUserErased       = "user.erased"
	TopicShipmentCreated  = "shipment.created"
	TopicDeliveryStatus   = "delivery.status"
)

// Versions are the current schema version of each topic's payload.
func Versions() map[string]int {
	return map[string]int{
		TopicOrderCreated:     1,
		TopicOrderUpdated:     1,
		TopicPaymentCompleted: 1,
		TopicInventoryUpdated: 1,
		TopicUserRegistered:   1,
		TopicUserErased:       1,
		TopicShipmentCreated:  1,
		TopicDeliveryStatus:   1,
	}
}

// Topics lists every topic, in a stable order.
func Topics() []string {
	return []string{TopicOrderCreated, TopicOrderUpdated, TopicPaymentCompleted, TopicInventoryUpdated,
		TopicUserRegistered, TopicUserErased, TopicShipmentCreated, TopicDeliveryStatus}
}

// Kafka header names. A consumer drops duplicates by HeaderEventID.
const (
	HeaderEventID       = "souq-event-id"
	HeaderType          = "souq-type"
	HeaderSchemaVersion = "souq-schema-version"
	HeaderPosition      = "souq-position" // the event's global position in souq's log
	HeaderRevision      = "souq-revision" // the aggregate's revision (0 for its first event)
	HeaderContentType   = "content-type"  // always application/json
)

// Event is one integration event: the Kafka message's key, headers and
// value in one value, and an item of the HTTP feed.
type Event struct {
	// ID is the souq event's ID: the same on every redelivery.
	ID string `json:"id"`
	// Type is the topic.
	Type          string `json:"type"`
	SchemaVersion int    `json:"schema_version"`
	// Key is the aggregate's ID; all events of one aggregate in one topic
	// share it, so they land on one partition in the order they happened.
	// Across topics (an order's order.created and its order.updated) Kafka
	// keeps no order: a consumer of both orders them by Revision.
	Key string `json:"key"`
	// Position is the event's place in souq's global log; the feed's
	// ?after= takes it.
	Position uint64 `json:"position"`
	// Revision is the aggregate's revision (0 for its first event). Every
	// order and inventory event publishes, so theirs are consecutive per Key
	// across topics; payments, users and shipments publish only some
	// events, so theirs increase with gaps.
	Revision   uint64          `json:"revision"`
	RecordedAt time.Time       `json:"recorded_at"` // when souq recorded it; payloads carry business times
	Payload    json.RawMessage `json:"payload"`
}

// Money is an amount in minor units (fils, halalas) and its ISO currency;
// never a float.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}
