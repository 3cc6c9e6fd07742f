package kurrent

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/kurrent-io/KurrentDB-Client-Go/kurrentdb"

	"github.com/souq-market/souq/eventstore"
)

// wireMeta is the custom metadata of every event this package writes.
type wireMeta struct {
	SchemaVersion int `json:"schema_version"`
	eventstore.Metadata
	// KurrentDB's projections read these two names.
	KurrentCorrelation string `json:"$correlationId,omitempty"`
	KurrentCausation   string `json:"$causationId,omitempty"`
}

// errForeign marks an event in our namespace that this package did not write.
var errForeign = errors.New("kurrent: event not written by souq")

// errPosition marks an event whose commit and prepare positions differ.
var errPosition = errors.New("kurrent: commit position differs from prepare position")

// encode turns events into the client's form. RecordedAt is stamped with now
// where it is zero. Input is already validated, so the IDs parse.
func encode(events []eventstore.EventData, now time.Time) ([]kurrentdb.EventData, error) {
	out := make([]kurrentdb.EventData, len(events))
	for i, e := range events {
		id, err := uuid.Parse(e.ID)
		if err != nil {
			return nil, fmt.Errorf("kurrent: event %d id: %w", i, err)
		}
		m := e.Metadata
		if m.RecordedAt.IsZero() {
			m.RecordedAt = now
		}
		meta, err := json.Marshal(wireMeta{
			SchemaVersion:      e.SchemaVersion,
			Metadata:           m,
			KurrentCorrelation: m.CorrelationID,
			KurrentCausation:   m.CausationID,
		})
		if err != nil {
			return nil, fmt.Errorf("kurrent: event %d metadata: %w", i, err)
		}
		out[i] = kurrentdb.EventData{
			EventID:     id,
			EventType:   e.Type,
			ContentType: kurrentdb.ContentTypeJson,
			Data:        e.Data,
			Metadata:    meta,
		}
	}
	return out, nil
}

// position maps a KurrentDB position to ours, checking the commit == prepare
// assumption doc.go explains.
func position(p kurrentdb.Position) (eventstore.Position, error) {
	if p.Commit != p.Prepare {
		return 0, fmt.Errorf("%w: commit %d, prepare %d (an explicit transaction?)", errPosition, p.Commit, p.Prepare)
	}
	return eventstore.Position(p.Commit), nil
}

// allPosition is where a read or subscription after p starts.
func allPosition(p eventstore.Position) kurrentdb.AllPosition {
	if p == eventstore.Start {
		return kurrentdb.Start{}
	}
	return kurrentdb.Position{Commit: uint64(p), Prepare: uint64(p)}
}

// isSystem tells KurrentDB's own events from application events.
func isSystem(e *kurrentdb.RecordedEvent) bool {
	return strings.HasPrefix(e.StreamID, "$") || strings.HasPrefix(e.EventType, "$")
}

// visible tells whether an event of $all belongs to the namespace prefix.
func visible(e *kurrentdb.RecordedEvent, prefix string) bool {
	return !isSystem(e) && strings.HasPrefix(e.StreamID, prefix)
}

// decode turns a stored event back into ours; prefix is stripped from the
// stream name.
func decode(e *kurrentdb.RecordedEvent, prefix string) (eventstore.RecordedEvent, error) {
	stream, ok := strings.CutPrefix(e.StreamID, prefix)
	if !ok {
		return eventstore.RecordedEvent{}, fmt.Errorf("%w: stream %q is outside prefix %q", errForeign, e.StreamID, prefix)
	}
	pos, err := position(e.Position)
	if err != nil {
		return eventstore.RecordedEvent{}, fmt.Errorf("kurrent: event %s in %q: %w", e.EventID, e.StreamID, err)
	}
	var m wireMeta
	if err := json.Unmarshal(e.UserMetadata, &m); err != nil || m.SchemaVersion < 1 {
		return eventstore.RecordedEvent{}, fmt.Errorf("%w: event %s in %q has no souq metadata", errForeign, e.EventID, e.StreamID)
	}
	if e.ContentType != "application/json" {
		return eventstore.RecordedEvent{}, fmt.Errorf("%w: event %s in %q has content type %q", errForeign, e.EventID, e.StreamID, e.ContentType)
	}
	if m.RecordedAt.IsZero() {
		m.RecordedAt = e.CreatedDate
	}
	return eventstore.RecordedEvent{
		ID:             e.EventID.String(),
		StreamID:       stream,
		StreamRevision: e.EventNumber,
		Position:       pos,
		Type:           e.EventType,
		SchemaVersion:  m.SchemaVersion,
		Data:           json.RawMessage(e.Data),
		Metadata:       m.Metadata,
	}, nil
}
