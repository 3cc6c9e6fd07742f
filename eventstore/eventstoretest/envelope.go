package eventstoretest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
)

func (s suite) testEnvelope(t *testing.T) {
	c := s.begin(t)
	stream := c.stream("order-7f3a")
	given := time.Date(2025, 3, 1, 12, 30, 45, 123456789, time.FixedZone("GST", 4*3600))
	full := eventstore.EventData{
		ID:            newID(),
		Type:          "order.placed",
		SchemaVersion: 3,
		Data: json.RawMessage(`{"order_id":"o-1","lines":[{"sku":"oud-50ml","qty":2,"price":{"amount":45000,"currency":"AED"}}],` +
			`"note":"عطر العود \u00e9 \ud83c\udf39","big":12345678901234567,"ratio":0.125,"ok":true,"none":null,"empty":{},"list":[]}`),
		Metadata: eventstore.Metadata{
			CommandID:      newID(),
			CorrelationID:  newID(),
			CausationID:    newID(),
			Actor:          eventstore.Actor{UserID: "user-42", Role: "vendor"},
			IdempotencyKey: "checkout-9b1c-١٢٣",
			RecordedAt:     given,
		},
	}
	bare := eventstore.EventData{ID: newID(), Type: "order.noted", SchemaVersion: 1, Data: json.RawMessage(`{}`)}
	spaced := eventstore.EventData{
		ID: newID(), Type: "order_v2.line_added.x1", SchemaVersion: 12,
		Data:     json.RawMessage(" { \"b\" : 1.5e3 ,\n\t\"a\" : [ 1 , \"x\" , -0.0 ] } "),
		Metadata: eventstore.Metadata{Actor: eventstore.Actor{Role: "admin"}},
	}
	scalar := eventstore.EventData{ID: newID(), Type: "order.note", SchemaVersion: 1, Data: json.RawMessage(`"just a string"`)}
	written := []eventstore.EventData{full, bare, spaced, scalar}

	// The store must keep its own copy: callers reuse their buffers.
	buffer := append([]byte(nil), full.Data...)
	sent := full
	sent.Data = buffer
	before := time.Now()
	res := c.append(stream, eventstore.NoStream, sent, bare, spaced, scalar)
	after := time.Now()
	for i := range buffer {
		buffer[i] = ' '
	}

	got := c.read(stream, eventstore.ReadStreamOptions{})
	if len(got) != len(written) {
		t.Fatalf("read %d events, wrote %d", len(got), len(written))
	}
	if res.NextRevision != 3 || res.Position != got[3].Position {
		t.Errorf("append result %+v; the last event is at revision %d, position %d", res, got[3].StreamRevision, got[3].Position)
	}
	// Servers may stamp with their own clock; allow a little skew.
	const skew = 2 * time.Second
	for i, w := range written {
		g := got[i]
		want := eventstore.RecordedEvent{
			ID: w.ID, StreamID: stream, StreamRevision: uint64(i), Position: g.Position,
			Type: w.Type, SchemaVersion: w.SchemaVersion, Data: w.Data, Metadata: w.Metadata,
		}
		if w.Metadata.RecordedAt.IsZero() {
			at := g.Metadata.RecordedAt
			if at.Before(before.Add(-skew)) || at.After(after.Add(skew)) {
				t.Errorf("event %d: RecordedAt stamped %v, want between %v and %v", i, at, before, after)
			}
			want.Metadata.RecordedAt = at
		}
		if err := sameRecorded(g, want); err != nil {
			t.Errorf("event %d did not round-trip: %v", i, err)
		}
		if i > 0 && g.Position <= got[i-1].Position {
			t.Errorf("positions not increasing within an append: %d then %d", got[i-1].Position, g.Position)
		}
	}
	// Nor may a reader change what the store holds.
	for i := range got[0].Data {
		got[0].Data[i] = ' '
	}
	got = c.read(stream, eventstore.ReadStreamOptions{})
	if !sameJSON(got[0].Data, full.Data) {
		t.Errorf("data changed after a reader wrote into its copy: %.100s", got[0].Data)
	}
	// Every read path hands out the same envelope.
	c.sameEvents("ReadAll vs ReadStream", c.readAll(c.base), got)
	back := c.read(stream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: eventstore.End})
	for i := range back {
		if err := sameRecorded(back[i], got[len(got)-1-i]); err != nil {
			t.Errorf("backwards event %d: %v", i, err)
		}
	}
}
