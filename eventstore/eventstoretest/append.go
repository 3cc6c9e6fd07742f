package eventstoretest

import (
	"errors"
	"slices"
	"testing"

	"github.com/souq-market/souq/eventstore"
)

func (s suite) testExpected(t *testing.T) {
	c := s.begin(t)
	type row struct {
		name     string
		existing int // events in the stream before the append
		expected eventstore.ExpectedRevision
		ok       bool
	}
	rows := []row{
		{"no stream/Any", 0, eventstore.Any, true},
		{"no stream/NoStream", 0, eventstore.NoStream, true},
		{"no stream/StreamExists", 0, eventstore.StreamExists, false},
		{"no stream/Exact(0)", 0, eventstore.Exact(0), false},
		{"no stream/Exact(5)", 0, eventstore.Exact(5), false},
		{"revision 1/Any", 2, eventstore.Any, true},
		{"revision 1/NoStream", 2, eventstore.NoStream, false},
		{"revision 1/StreamExists", 2, eventstore.StreamExists, true},
		{"revision 1/Exact(1)", 2, eventstore.Exact(1), true},
		{"revision 1/Exact(0)", 2, eventstore.Exact(0), false},
		{"revision 1/Exact(2)", 2, eventstore.Exact(2), false},
		{"revision 1/Exact(2^40)", 2, eventstore.Exact(1 << 40), false},
		{"revision 0/Exact(0)", 1, eventstore.Exact(0), true},
		{"revision 0/Exact(1)", 1, eventstore.Exact(1), false},
	}
	for i, r := range rows {
		stream := c.stream("order-" + string(rune('a'+i)))
		var before []eventstore.RecordedEvent
		if r.existing > 0 {
			c.append(stream, eventstore.NoStream, batch(0, r.existing)...)
			before = c.read(stream, eventstore.ReadStreamOptions{})
		}
		st := c.state()
		res, err := c.st.Append(c.ctx, stream, r.expected, batch(100, 2))
		if r.ok {
			if err != nil {
				t.Errorf("%s: %v, want success", r.name, err)
				continue
			}
			got := c.read(stream, eventstore.ReadStreamOptions{})
			want := uint64(r.existing + 1)
			if res.NextRevision != want || len(got) != r.existing+2 || got[len(got)-1].Position != res.Position {
				t.Errorf("%s: result %+v, stream of %d events ending at %d; want revision %d", r.name, res, len(got), got[len(got)-1].Position, want)
			}
			if !c.shared && res.Position <= st.head {
				t.Errorf("%s: position %d not after the old Head %d", r.name, res.Position, st.head)
			}
			continue
		}
		var ce *eventstore.ConflictError
		switch {
		case !errors.Is(err, eventstore.ErrConflict):
			t.Errorf("%s: %v, want ErrConflict", r.name, err)
		case !errors.As(err, &ce):
			t.Errorf("%s: %v is not a *ConflictError", r.name, err)
		case ce.Stream != stream || ce.Expected != r.expected || ce.StreamExists != (r.existing > 0) ||
			(r.existing > 0 && ce.Actual != uint64(r.existing-1)):
			t.Errorf("%s: %+v; want stream %q, expected %v, exists %v, actual %d", r.name, *ce, stream, r.expected, r.existing > 0, r.existing-1)
		}
		c.unchanged(st, r.name)
		if r.existing == 0 {
			c.notFound(stream)
		} else if got := c.read(stream, eventstore.ReadStreamOptions{}); !slices.Equal(ids(got), ids(before)) {
			t.Errorf("%s: the stream changed on refusal: %v, was %v", r.name, ids(got), ids(before))
		}
	}
}

func (s suite) testRetry(t *testing.T) {
	c := s.begin(t)
	stream := c.stream("order-1")
	first := batch(0, 3)
	r1 := c.append(stream, eventstore.NoStream, first...)
	second := batch(3, 1)
	st := c.state()

	// A retry of the first append while it is still the last one.
	for _, exp := range []eventstore.ExpectedRevision{eventstore.NoStream, eventstore.Any} {
		r, err := c.st.Append(c.ctx, stream, exp, first)
		if err != nil || r != r1 {
			t.Errorf("retry with %v: %+v, %v; want %+v", exp, r, err, r1)
		}
	}
	c.unchanged(st, "retry of the last append")

	r2 := c.append(stream, eventstore.Exact(2), second...)
	st = c.state()
	// Retries after the stream moved on: the expected revision is stale but
	// the events are there, so the caller gets what the first attempt got.
	for _, exp := range []eventstore.ExpectedRevision{eventstore.NoStream, eventstore.Exact(2), eventstore.Exact(0), eventstore.StreamExists, eventstore.Any} {
		r, err := c.st.Append(c.ctx, stream, exp, first)
		if err != nil || r != r1 {
			t.Errorf("stale retry with %v: %+v, %v; want %+v", exp, r, err, r1)
		}
	}
	if r, err := c.st.Append(c.ctx, stream, eventstore.Exact(2), second); err != nil || r != r2 {
		t.Errorf("retry of the second append: %+v, %v; want %+v", r, err, r2)
	}
	// A retry carries the same IDs; fresh copies of the structs must do.
	again := slices.Clone(first)
	if r, err := c.st.Append(c.ctx, stream, eventstore.NoStream, again); err != nil || r != r1 {
		t.Errorf("retry from copied events: %+v, %v; want %+v", r, err, r1)
	}
	c.unchanged(st, "stale retries")
	if got := c.read(stream, eventstore.ReadStreamOptions{}); !slices.Equal(ids(got), append(ids(first), ids(second)...)) {
		t.Errorf("stream after retries: %v", ids(got))
	}
}

func (s suite) testIDReuse(t *testing.T) {
	c := s.begin(t)
	stream := c.stream("order-1")
	first := batch(0, 3)
	c.append(stream, eventstore.NoStream, first...)
	other := c.stream("order-2")
	st := c.state()

	retyped := first[0]
	retyped.Type = "test.other"
	for _, tc := range []struct {
		name   string
		stream string
		exp    eventstore.ExpectedRevision
		events []eventstore.EventData
	}{
		{"stored then new", stream, eventstore.Any, []eventstore.EventData{first[2], event("test.numbered", `{"n":9}`)}},
		{"new then stored", stream, eventstore.Any, []eventstore.EventData{event("test.numbered", `{"n":9}`), first[0]}},
		{"stored then new, expected revision right", stream, eventstore.Exact(2), []eventstore.EventData{first[0], first[1], first[2], event("test.numbered", `{"n":9}`)}},
		{"same ID in another stream", other, eventstore.NoStream, first[:1]},
		{"whole append in another stream", other, eventstore.Any, first},
		{"stored events in another order", stream, eventstore.Any, []eventstore.EventData{first[1], first[0], first[2]}},
		{"same ID with another type", stream, eventstore.Any, []eventstore.EventData{retyped}},
	} {
		if s.h.IDsPerStream && tc.stream != stream {
			t.Logf("%s: skipped, the backend keeps event IDs unique per stream only (Harness.IDsPerStream)", tc.name)
			continue
		}
		_, err := c.st.Append(c.ctx, tc.stream, tc.exp, tc.events)
		var re *eventstore.IDReuseError
		if !errors.Is(err, eventstore.ErrIDReuse) || !errors.As(err, &re) {
			t.Errorf("%s: %v, want an *IDReuseError", tc.name, err)
		}
		c.unchanged(st, tc.name)
	}
	if !s.h.IDsPerStream {
		c.notFound(other)
	}
	if got := c.read(stream, eventstore.ReadStreamOptions{}); !slices.Equal(ids(got), ids(first)) {
		t.Errorf("stream after refused reuse: %v, want %v", ids(got), ids(first))
	}
}
