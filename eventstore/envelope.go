package eventstore

import (
	"encoding/json"
	"time"
)

// Position is a place in the global order of all events ($all). Positions of
// committed events are strictly increasing in the order readers see them; 0
// means "before the first event", so reading after 0 reads everything.
//
// The SQL backends hand out gap-free positions (1, 2, 3 …). KurrentDB uses its
// commit positions, which increase but leave gaps; nothing may assume
// position N+1 follows position N.
type Position uint64

// Start is the position before the first event.
const Start Position = 0

// Actor is who caused an event: a user and the role they acted in.
type Actor struct {
	UserID string `json:"user_id,omitempty"`
	Role   string `json:"role,omitempty"`
}

// Metadata travels with every event. The store records it as given, except
// RecordedAt, which the store stamps at append time when it is zero.
type Metadata struct {
	CommandID      string    `json:"command_id,omitempty"`
	CorrelationID  string    `json:"correlation_id,omitempty"`
	CausationID    string    `json:"causation_id,omitempty"`
	Actor          Actor     `json:"actor,omitzero"`
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	RecordedAt     time.Time `json:"recorded_at,omitzero"`
}

// EventData is an event to be appended.
type EventData struct {
	// ID identifies the event for ever. It must be a UUID in canonical form;
	// appending the same IDs again is a retry and writes nothing.
	ID string
	// Type is the stable wire name, such as "order.placed".
	Type string
	// SchemaVersion of Data, starting at 1.
	SchemaVersion int
	// Data is the JSON payload.
	Data json.RawMessage
	// Metadata is who, why and when.
	Metadata Metadata
}

// RecordedEvent is an event as the store holds it.
type RecordedEvent struct {
	ID             string
	StreamID       string
	StreamRevision uint64 // 0 for the first event of a stream
	Position       Position
	Type           string
	SchemaVersion  int
	Data           json.RawMessage
	Metadata       Metadata
}

// AppendResult says where an append landed: the revision of the stream's last
// event and the global position of that event.
type AppendResult struct {
	NextRevision uint64
	Position     Position
}
