package kurrent

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kurrent-io/KurrentDB-Client-Go/kurrentdb"

	"github.com/souq-market/souq/eventstore"
)

// stored builds the event KurrentDB would hand back for an encoded one.
func stored(t *testing.T, name string, revision, pos uint64, d kurrentdb.EventData) *kurrentdb.RecordedEvent {
	t.Helper()
	ct := "application/octet-stream"
	if d.ContentType == kurrentdb.ContentTypeJson {
		ct = "application/json"
	}
	return &kurrentdb.RecordedEvent{
		EventID: d.EventID, EventType: d.EventType, ContentType: ct, StreamID: name,
		EventNumber: revision, Position: kurrentdb.Position{Commit: pos, Prepare: pos},
		CreatedDate: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), Data: d.Data, UserMetadata: d.Metadata,
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	given := time.Date(2025, 3, 4, 5, 6, 7, 891234000, time.FixedZone("GST", 4*3600))
	now := time.Date(2026, 1, 2, 3, 4, 5, 600000000, time.UTC)
	in := []eventstore.EventData{
		{ID: "0b6c1f3e-8a4d-4c53-9d0e-2f1a3b4c5d6e", Type: "order.placed", SchemaVersion: 3, Data: json.RawMessage(`{"total":{"minor":12500,"currency":"AED"}}`),
			Metadata: eventstore.Metadata{CommandID: "cmd-1", CorrelationID: "corr-1", CausationID: "cause-1",
				Actor: eventstore.Actor{UserID: "u-7", Role: "customer"}, IdempotencyKey: "idem-1", RecordedAt: given}},
		{ID: "1c7d2a4f-9b5e-4d64-8e1f-3a2b4c5d6e7f", Type: "order.paid", SchemaVersion: 1, Data: json.RawMessage(`{"ok":true}`)},
	}
	out, err := encode(in, now)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range out {
		if d.EventID.String() != in[i].ID || d.EventType != in[i].Type || d.ContentType != kurrentdb.ContentTypeJson || string(d.Data) != string(in[i].Data) {
			t.Errorf("event %d encoded as %+v", i, d)
		}
		got, err := decode(stored(t, "ns-order-1", uint64(i), 1000+uint64(i)*100, d), "ns-")
		if err != nil {
			t.Fatalf("decode %d: %v", i, err)
		}
		want := eventstore.RecordedEvent{ID: in[i].ID, StreamID: "order-1", StreamRevision: uint64(i), Position: eventstore.Position(1000 + i*100),
			Type: in[i].Type, SchemaVersion: in[i].SchemaVersion, Data: in[i].Data, Metadata: in[i].Metadata}
		if i == 1 {
			want.Metadata.RecordedAt = now // stamped because it was zero
		}
		if !got.Metadata.RecordedAt.Equal(want.Metadata.RecordedAt) {
			t.Errorf("event %d recorded at %v, want %v", i, got.Metadata.RecordedAt, want.Metadata.RecordedAt)
		}
		got.Metadata.RecordedAt, want.Metadata.RecordedAt = time.Time{}, time.Time{}
		if got.ID != want.ID || got.StreamID != want.StreamID || got.StreamRevision != want.StreamRevision || got.Position != want.Position ||
			got.Type != want.Type || got.SchemaVersion != want.SchemaVersion || string(got.Data) != string(want.Data) || got.Metadata != want.Metadata {
			t.Errorf("event %d decoded as %+v, want %+v", i, got, want)
		}
	}
	// KurrentDB's projections find correlation and causation under their names.
	var m map[string]any
	if err := json.Unmarshal(out[0].Metadata, &m); err != nil {
		t.Fatal(err)
	}
	if m["$correlationId"] != "corr-1" || m["$causationId"] != "cause-1" || m["schema_version"] != float64(3) {
		t.Errorf("custom metadata %s lacks $correlationId, $causationId or schema_version", out[0].Metadata)
	}
	if _, ok := m["$causationId"]; !ok || strings.Contains(string(out[1].Metadata), "$correlationId") {
		t.Errorf("empty correlation must be left out: %s", out[1].Metadata)
	}
}

func TestDecodeRefuses(t *testing.T) {
	good, err := encode([]eventstore.EventData{{ID: "0b6c1f3e-8a4d-4c53-9d0e-2f1a3b4c5d6e", Type: "order.placed", SchemaVersion: 1, Data: json.RawMessage(`{}`)}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(*kurrentdb.RecordedEvent)
		prefix string
		want   error
	}{
		{"commit after prepare (explicit transaction)", func(e *kurrentdb.RecordedEvent) { e.Position.Commit += 10 }, "", errPosition},
		{"no metadata", func(e *kurrentdb.RecordedEvent) { e.UserMetadata = nil }, "", errForeign},
		{"metadata without schema version", func(e *kurrentdb.RecordedEvent) { e.UserMetadata = []byte(`{"command_id":"x"}`) }, "", errForeign},
		{"binary content", func(e *kurrentdb.RecordedEvent) { e.ContentType = "application/octet-stream" }, "", errForeign},
		{"outside the prefix", func(e *kurrentdb.RecordedEvent) {}, "other-", errForeign},
	} {
		e := stored(t, "order-1", 0, 500, good[0])
		tc.change(e)
		if _, err := decode(e, tc.prefix); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestAllPosition(t *testing.T) {
	if _, ok := allPosition(eventstore.Start).(kurrentdb.Start); !ok {
		t.Errorf("position 0 maps to %#v, want Start", allPosition(0))
	}
	if got := allPosition(4711); got != (kurrentdb.Position{Commit: 4711, Prepare: 4711}) {
		t.Errorf("position 4711 maps to %#v", got)
	}
	if p, err := position(kurrentdb.Position{Commit: 4711, Prepare: 4711}); err != nil || p != 4711 {
		t.Errorf("position back: %d, %v", p, err)
	}
}

func TestVisible(t *testing.T) {
	for _, tc := range []struct {
		stream, typ, prefix string
		want                bool
	}{
		{"order-1", "order.placed", "", true},
		{"$stats-127.0.0.1:2113", "$statsCollected", "", false},
		{"$ce-order", "$>", "", false},
		{"$$order-1", "$metadata", "", false},
		{"order-1", "$metadata", "", false},
		{"t1-order-1", "order.placed", "t1-", true},
		{"t2-order-1", "order.placed", "t1-", false},
		{"order-1", "order.placed", "t1-", false},
	} {
		e := &kurrentdb.RecordedEvent{StreamID: tc.stream, EventType: tc.typ}
		if got := visible(e, tc.prefix); got != tc.want {
			t.Errorf("visible(%q, %q, prefix %q) = %v", tc.stream, tc.typ, tc.prefix, got)
		}
	}
}
