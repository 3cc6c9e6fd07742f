package orders

import (
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections/viewtest"
)

// A large batch is decoded in parts at once; the result must be what one
// pass in order gives: every event of the view's aggregates in order, the
// others left out, and of two undecodable events the first reported.
func TestDecodeLargeBatchInOrder(t *testing.T) {
	reg := viewtest.Registry(order.Events())
	p := New(reg)
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	var events []eventstore.RecordedEvent
	for i := range 3000 {
		ev, err := reg.NewEvent("", order.Confirmed{At: at.Add(time.Duration(i) * time.Second)}, eventstore.Metadata{})
		if err != nil {
			t.Fatal(err)
		}
		r := eventstore.RecordedEvent{StreamID: "order-o", Position: eventstore.Position(i + 1), Type: ev.Type,
			SchemaVersion: ev.SchemaVersion, Data: ev.Data}
		if i%7 == 3 {
			r.Type = "wallet.credited" // not the view's: skipped, never decoded
		}
		events = append(events, r)
	}
	items, err := p.decode(events)
	if err != nil {
		t.Fatal(err)
	}
	prev := eventstore.Position(0)
	for _, it := range items {
		c, ok := it.e.(order.Confirmed)
		if !ok || it.ev.Position <= prev || !c.At.Equal(at.Add(time.Duration(it.ev.Position-1)*time.Second)) {
			t.Fatalf("item at %d after %d: %#v", it.ev.Position, prev, it.e)
		}
		prev = it.ev.Position
	}
	if want := 3000 - 3000/7 - 1; len(items) != want { // i%7 == 3 for 429 of 3000 (3, 10, … 2995)
		t.Fatalf("%d items, want %d", len(items), want)
	}

	events[2400].Data = []byte(`{`)
	events[1201].Data = []byte(`[1]`)
	if _, err := p.decode(events); err == nil || !strings.Contains(err.Error(), " at 1202:") {
		t.Fatalf("error %v, want the first undecodable event (position 1202)", err)
	}
}
