package eventstoretest

import (
	"errors"
	"slices"
	"testing"

	"github.com/souq-market/souq/eventstore"
)

func (s suite) testEmpty(t *testing.T) {
	c := s.begin(t)
	if got := c.readAll(c.base); len(got) != 0 {
		t.Errorf("ReadAll on a fresh store: %d events, want none", len(got))
	}
	c.notFound(c.stream("order-1"))
}

// appendFive writes revisions 0..4 to a stream in two appends and returns
// them as ReadAll saw them, checking the results on the way.
func (c *tcase) appendFive(stream string) []eventstore.RecordedEvent {
	c.Helper()
	evs := batch(0, 5)
	r1 := c.append(stream, eventstore.NoStream, evs[:3]...)
	r2 := c.append(stream, eventstore.Exact(2), evs[3:]...)
	if r1.NextRevision != 2 || r2.NextRevision != 4 {
		c.Fatalf("appends of 3 then 2 events: revisions %d and %d, want 2 and 4", r1.NextRevision, r2.NextRevision)
	}
	var got []eventstore.RecordedEvent
	for _, e := range c.readAll(c.base) {
		if e.StreamID == stream {
			got = append(got, e)
		}
	}
	if !slices.Equal(ids(got), ids(evs)) {
		c.Fatalf("$all holds %v for the stream, want %v", ids(got), ids(evs))
	}
	if got[2].Position != r1.Position || got[4].Position != r2.Position {
		c.Errorf("append positions %d, %d; the events are at %d, %d", r1.Position, r2.Position, got[2].Position, got[4].Position)
	}
	for i, e := range got {
		if e.StreamRevision != uint64(i) {
			c.Errorf("event %d has revision %d", i, e.StreamRevision)
		}
		if i > 0 && e.Position <= got[i-1].Position {
			c.Errorf("positions not increasing: %d then %d", got[i-1].Position, e.Position)
		}
		if e.Position <= c.base {
			c.Errorf("position %d not after the Head %d the case began with", e.Position, c.base)
		}
	}
	return got
}

func (s suite) testReadForwards(t *testing.T) {
	c := s.begin(t)
	stream := c.stream("order-1")
	all := c.appendFive(stream)
	other := c.stream("order-2")
	c.append(other, eventstore.NoStream, batch(10, 2)...) // must not leak into order-1

	for _, tc := range []struct {
		name string
		from uint64
		lim  int
		want []eventstore.RecordedEvent
	}{
		{"all", 0, 0, all},
		{"from 2", 2, 0, all[2:]},
		{"from last", 4, 0, all[4:]},
		{"past the end", 5, 0, nil},
		{"from End", eventstore.End, 0, nil},
		{"limit 2", 0, 2, all[:2]},
		{"from 1 limit 3", 1, 3, all[1:4]},
		{"limit above length", 3, 100, all[3:]},
	} {
		got := c.read(stream, eventstore.ReadStreamOptions{Direction: eventstore.Forwards, From: tc.from, Limit: tc.lim})
		c.sameEvents("forwards "+tc.name, got, tc.want)
	}
}

func (s suite) testReadBackwards(t *testing.T) {
	c := s.begin(t)
	stream := c.stream("order-1")
	all := c.appendFive(stream)
	c.append(c.stream("order-2"), eventstore.NoStream, batch(10, 2)...)
	rev := slices.Clone(all)
	slices.Reverse(rev)

	for _, tc := range []struct {
		name string
		from uint64
		lim  int
		want []eventstore.RecordedEvent
	}{
		{"from End", eventstore.End, 0, rev},
		{"from last", 4, 0, rev},
		{"from 2", 2, 0, rev[2:]},
		{"from 0", 0, 0, rev[4:]},
		{"from End limit 1", eventstore.End, 1, rev[:1]},
		{"from End limit 2", eventstore.End, 2, rev[:2]},
		{"from 3 limit 2", 3, 2, rev[1:3]},
	} {
		got := c.read(stream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: tc.from, Limit: tc.lim})
		c.sameEvents("backwards "+tc.name, got, tc.want)
	}
}

func (s suite) testNotFound(t *testing.T) {
	c := s.begin(t)
	c.append(c.stream("order-1"), eventstore.NoStream, batch(0, 1)...)
	missing := c.stream("order-404")
	for _, dir := range []eventstore.Direction{eventstore.Forwards, eventstore.Backwards} {
		_, err := c.st.ReadStream(c.ctx, missing, eventstore.ReadStreamOptions{Direction: dir, From: 0})
		if !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Fatalf("ReadStream of an unknown stream (direction %d): %v, want ErrStreamNotFound", dir, err)
		}
		var nf *eventstore.StreamNotFoundError
		if !errors.As(err, &nf) || nf.Stream != missing {
			t.Errorf("error %v: want a *StreamNotFoundError naming %q", err, missing)
		}
	}
}
