package eventstoretest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
)

// refused asserts that an append was refused as invalid, listing at least
// minProblems problems, and that nothing was written.
func (c *tcase) refused(what, stream string, events []eventstore.EventData, minProblems int) {
	c.Helper()
	before := c.state()
	valid := c.limits.ValidateStreamID(stream) == nil
	var had []eventstore.RecordedEvent
	if valid {
		had, _ = c.st.ReadStream(c.ctx, stream, eventstore.ReadStreamOptions{})
	}
	_, err := c.st.Append(c.ctx, stream, eventstore.Any, events)
	var ie *eventstore.InvalidError
	switch {
	case !errors.Is(err, eventstore.ErrInvalid):
		c.Errorf("%s: Append returned %v, want ErrInvalid", what, err)
	case !errors.As(err, &ie):
		c.Errorf("%s: %v is not an *InvalidError", what, err)
	case len(ie.Problems) < minProblems:
		c.Errorf("%s: %d problems listed %q, want at least %d", what, len(ie.Problems), ie.Problems, minProblems)
	}
	c.unchanged(before, what)
	switch {
	case !valid:
	case len(had) == 0:
		c.notFound(stream)
	default:
		c.sameEvents(what+": the stream", c.read(stream, eventstore.ReadStreamOptions{}), had)
	}
}

func (s suite) testHostile(t *testing.T) {
	c := s.begin(t)
	good := func() eventstore.EventData { return event("order.placed", `{"ok":true}`) }
	with := func(change func(*eventstore.EventData)) []eventstore.EventData {
		e := good()
		change(&e)
		return []eventstore.EventData{e}
	}
	stream := c.stream("order-1")
	dup := good()
	long := strings.Repeat("x", 513)

	for _, tc := range []struct {
		name   string
		stream string
		events []eventstore.EventData
	}{
		{"empty stream name", "", []eventstore.EventData{good()}},
		{"stream name over the limit", c.stream(strings.Repeat("s", c.limits.MaxStreamIDBytes)), []eventstore.EventData{good()}},
		{"stream name of 1 MiB", strings.Repeat("order-", 1<<20/6), []eventstore.EventData{good()}},
		{"stream name of invalid UTF-8", c.stream("order-\xff\xfe"), []eventstore.EventData{good()}},
		{"stream name with NUL", c.stream("order\x00-1"), []eventstore.EventData{good()}},
		{"stream name with newline", c.stream("order\n1"), []eventstore.EventData{good()}},
		{"stream name with DEL", c.stream("order\x7f1"), []eventstore.EventData{good()}},
		{"stream name with C1 control", c.stream("order\u00851"), []eventstore.EventData{good()}},
		{"stream name with $", "$all", []eventstore.EventData{good()}},
		{"stream name with $ prefix", "$" + c.stream("order-1"), []eventstore.EventData{good()}},
		{"stream name with leading space", " " + c.stream("order-1"), []eventstore.EventData{good()}},
		{"stream name with trailing space", c.stream("order-1 "), []eventstore.EventData{good()}},
		{"no events (nil)", stream, nil},
		{"no events (empty)", stream, []eventstore.EventData{}},
		{"empty data", stream, with(func(e *eventstore.EventData) { e.Data = nil })},
		{"truncated JSON", stream, with(func(e *eventstore.EventData) { e.Data = json.RawMessage(`{"a":`) })},
		{"single-quoted JSON", stream, with(func(e *eventstore.EventData) { e.Data = json.RawMessage(`{'a':1}`) })},
		{"two JSON documents", stream, with(func(e *eventstore.EventData) { e.Data = json.RawMessage(`{"a":1}{"b":2}`) })},
		{"NaN", stream, with(func(e *eventstore.EventData) { e.Data = json.RawMessage(`NaN`) })},
		{"invalid UTF-8 in data", stream, with(func(e *eventstore.EventData) { e.Data = json.RawMessage("{\"a\":\"\xff\xfe\"}") })},
		{"escaped NUL in data", stream, with(func(e *eventstore.EventData) { e.Data = json.RawMessage(`{"a":"x\u0000y"}`) })},
		{"empty ID", stream, with(func(e *eventstore.EventData) { e.ID = "" })},
		{"ID not a UUID", stream, with(func(e *eventstore.EventData) { e.ID = "order-1-event-1" })},
		{"upper-case UUID", stream, with(func(e *eventstore.EventData) { e.ID = strings.ToUpper(newID()) })},
		{"UUID without dashes", stream, with(func(e *eventstore.EventData) { e.ID = strings.ReplaceAll(newID(), "-", "") })},
		{"braced UUID", stream, with(func(e *eventstore.EventData) { e.ID = "{" + newID() + "}" })},
		{"nil UUID", stream, with(func(e *eventstore.EventData) { e.ID = "00000000-0000-0000-0000-000000000000" })},
		{"duplicate IDs", stream, []eventstore.EventData{dup, good(), dup}},
		{"empty type", stream, with(func(e *eventstore.EventData) { e.Type = "" })},
		{"upper-case type", stream, with(func(e *eventstore.EventData) { e.Type = "Order.Placed" })},
		{"type with space", stream, with(func(e *eventstore.EventData) { e.Type = "order placed" })},
		{"type with empty segment", stream, with(func(e *eventstore.EventData) { e.Type = "order..placed" })},
		{"type with trailing dot", stream, with(func(e *eventstore.EventData) { e.Type = "order." })},
		{"type with non-ASCII", stream, with(func(e *eventstore.EventData) { e.Type = "ordér.placed" })},
		{"type over 128 bytes", stream, with(func(e *eventstore.EventData) { e.Type = strings.Repeat("a", 129) })},
		{"schema version 0", stream, with(func(e *eventstore.EventData) { e.SchemaVersion = 0 })},
		{"schema version -1", stream, with(func(e *eventstore.EventData) { e.SchemaVersion = -1 })},
		{"metadata field too long", stream, with(func(e *eventstore.EventData) { e.Metadata.CommandID = long })},
		{"metadata of invalid UTF-8", stream, with(func(e *eventstore.EventData) { e.Metadata.Actor.Role = "admin\xff" })},
		{"metadata with NUL", stream, with(func(e *eventstore.EventData) { e.Metadata.CorrelationID = "c\x00" })},
		{"recorded-at past year 9999", stream, with(func(e *eventstore.EventData) {
			e.Metadata.RecordedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
		})},
		{"one bad event among good ones", stream, []eventstore.EventData{good(), good(), with(func(e *eventstore.EventData) { e.Data = json.RawMessage(`{`) })[0], good()}},
		{"one bad ID among good ones", stream, []eventstore.EventData{good(), with(func(e *eventstore.EventData) { e.ID = "x" })[0], good()}},
	} {
		c.refused(tc.name, tc.stream, tc.events, 1)
	}

	// One append carrying many problems lists every one of them, at once.
	bad := []eventstore.EventData{
		{ID: "not-a-uuid", Type: "Bad Type", SchemaVersion: 0, Data: json.RawMessage(`{`)},
		{ID: newID(), Type: "order.placed", SchemaVersion: 1, Data: nil, Metadata: eventstore.Metadata{IdempotencyKey: long}},
	}
	// stream, event 0: id, type, version, data; event 1: data, metadata.
	c.refused("every problem at once", "", bad, 7)
}

func (s suite) testLarge(t *testing.T) {
	c := s.begin(t)
	stream := c.stream("order-big")
	blob := func(n int) json.RawMessage {
		// Varied bytes, so nothing compresses or dedupes the payload unseen.
		raw := make([]byte, (n-len(`{"blob":""}`))/2)
		_, _ = rand.Read(raw)
		return json.RawMessage(`{"blob":"` + hex.EncodeToString(raw) + `"}`)
	}
	big := event("order.attachment", "")
	big.Data = blob(1 << 20)
	r := c.append(stream, eventstore.NoStream, big)
	got := c.read(stream, eventstore.ReadStreamOptions{})
	if len(got) != 1 || !sameJSON(got[0].Data, big.Data) {
		t.Fatalf("a 1 MiB event did not round-trip (%d events read)", len(got))
	}
	all := c.readAll(c.base)
	if len(all) != 1 || all[0].Position != r.Position || !sameJSON(all[0].Data, big.Data) {
		t.Errorf("a 1 MiB event did not round-trip through ReadAll")
	}

	// Over the per-event limit: data alone as large as the limit is too
	// much once metadata counts.
	over := event("order.attachment", "")
	over.Data = blob(c.limits.MaxEventBytes)
	c.refused("event over MaxEventBytes", stream, []eventstore.EventData{over}, 1)
	c.refused("event over MaxEventBytes among small ones", stream, []eventstore.EventData{event("order.noted", `{}`), over}, 1)

	// Over the per-append limit with events each within theirs.
	half := c.limits.MaxEventBytes / 2
	n := c.limits.MaxAppendBytes/half + 1
	many := make([]eventstore.EventData, n)
	shared := blob(half)
	for i := range many {
		many[i] = event("order.attachment", "")
		many[i].Data = shared
	}
	c.refused("append over MaxAppendBytes", stream, many, 1)

	// Over the number of events per append.
	c.refused("too many events", stream, batch(0, c.limits.MaxEventsPerAppend+1), 1)

	if got := c.read(stream, eventstore.ReadStreamOptions{}); len(got) != 1 {
		t.Errorf("stream holds %d events after refused appends, want 1", len(got))
	}
}
