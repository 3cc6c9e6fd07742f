package eventstoretest

import (
	"errors"
	"testing"

	"github.com/souq-market/souq/eventstore"
)

func (s suite) testRestart(t *testing.T) {
	if s.h.Reopen == nil {
		t.Skip("Harness.Reopen is nil: this backend keeps nothing across a restart, so the restart cases do not run")
	}
	c := s.begin(t)
	a, b := c.stream("order-a"), c.stream("order-b")
	first := batch(0, 3)
	r1 := c.append(a, eventstore.NoStream, first...)
	c.append(b, eventstore.NoStream, batch(10, 2)...)
	c.append(a, eventstore.Exact(2), batch(3, 1)...)

	all := c.readAll(c.base)
	head := c.head()
	streamA := c.read(a, eventstore.ReadStreamOptions{})

	c.st = s.h.Reopen(t, c.st)
	if c.st == nil {
		t.Fatal("Harness.Reopen returned nil")
	}

	c.sameEvents("$all after restart", c.readAll(c.base), all)
	c.sameEvents("stream after restart", c.read(a, eventstore.ReadStreamOptions{}), streamA)
	if got := c.head(); got != head {
		t.Errorf("Head after restart %d, was %d", got, head)
	}
	if r, err := c.st.Append(c.ctx, a, eventstore.NoStream, first); err != nil || r != r1 {
		t.Errorf("retry after restart: %+v, %v; want %+v", r, err, r1)
	}
	r := c.append(a, eventstore.Exact(3), batch(4, 2)...)
	if r.NextRevision != 5 || r.Position <= head {
		t.Errorf("append after restart: %+v; want revision 5 after position %d", r, head)
	}
	_, err := c.st.Append(c.ctx, b, eventstore.NoStream, batch(12, 1))
	var ce *eventstore.ConflictError
	if !errors.As(err, &ce) || !ce.StreamExists || ce.Actual != 1 {
		t.Errorf("NoStream append to a stream written before the restart: %v, want a conflict at revision 1", err)
	}

	sb := c.subscribe(c.base)
	sb.waitFor(t, len(all)+2, subscribeTimeout)
	got := sb.stop(t)
	c.sameEvents("subscriber after restart", got[:len(all)], all)
	c.sameEvents("subscriber after restart, new events", got[len(all):], c.read(a, eventstore.ReadStreamOptions{From: 4}))
}

func (s suite) testClose(t *testing.T) {
	c := s.begin(t)
	c.append(c.stream("order-1"), eventstore.NoStream, batch(0, 1)...)
	if err := c.st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err := c.st.Append(c.ctx, c.stream("order-1"), eventstore.Any, batch(1, 1))
	if !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
	// The harness closes the store again in its cleanup: a second Close
	// must be harmless.
}
