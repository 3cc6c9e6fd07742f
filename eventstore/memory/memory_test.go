package memory

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/eventstoretest"
)

// newStore makes a store whose subscriptions never poll in practice, so the
// suite proves that every append wakes them.
func newStore(t testing.TB) eventstore.Store {
	s := New(Options{Follow: eventstore.FollowOptions{Poll: time.Hour}})
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestAcceptance(t *testing.T) {
	eventstoretest.Run(t, eventstoretest.Harness{New: newStore})
}

// TestAcceptanceHandover runs the suite once more with a Reopen that hands
// the closed store's events to a new one, as a durable backend would reload
// them: it exercises the suite's restart case, and the store's behaviour
// when its state did not grow append by append.
func TestAcceptanceHandover(t *testing.T) {
	eventstoretest.Run(t, eventstoretest.Harness{
		New: newStore,
		Reopen: func(t testing.TB, old eventstore.Store) eventstore.Store {
			o := old.(*Store)
			if err := o.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			n := newStore(t).(*Store)
			o.mu.RLock()
			defer o.mu.RUnlock()
			n.all = slices.Clone(o.all)
			n.byID = maps.Clone(o.byID)
			for stream, revs := range o.streams {
				n.streams[stream] = slices.Clone(revs)
			}
			return n
		},
	})
}

func TestStampUsesClock(t *testing.T) {
	at := time.Date(2025, 6, 1, 9, 0, 0, 123456789, time.UTC)
	s := New(Options{Now: func() time.Time { return at }})
	ctx := t.Context()
	e := eventstore.EventData{ID: "0e5b4a5c-6f0e-4c5c-9a53-2a1d7a0a7b01", Type: "order.placed", SchemaVersion: 1, Data: []byte(`{}`)}
	if _, err := s.Append(ctx, "order-1", eventstore.NoStream, []eventstore.EventData{e}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReadStream(ctx, "order-1", eventstore.ReadStreamOptions{})
	if err != nil || len(got) != 1 || !got[0].Metadata.RecordedAt.Equal(at) {
		t.Fatalf("read %+v, %v; want RecordedAt %v from the clock", got, err, at)
	}
	if got[0].Position != 1 {
		t.Errorf("first position %d, want 1 (gap-free from 1)", got[0].Position)
	}
}
