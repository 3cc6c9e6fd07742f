package sqlite_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/sqlite"
)

func TestHostileAppendsWriteNothing(t *testing.T) {
	s := open(t, tempPath(t), sqlite.Options{})
	ctx := context.Background()
	bad := func(mut func(*eventstore.EventData)) []eventstore.EventData {
		es := events(2)
		mut(&es[1])
		return es
	}
	cases := map[string]struct {
		stream string
		events []eventstore.EventData
	}{
		"empty stream":         {"", events(1)},
		"huge stream":          {strings.Repeat("x", 10_000), events(1)},
		"invalid utf-8":        {"s\xff", events(1)},
		"reserved stream":      {"$all", events(1)},
		"no events":            {"s", nil},
		"invalid json":         {"s", bad(func(e *eventstore.EventData) { e.Data = []byte(`{"a":`) })},
		"data not utf-8":       {"s", bad(func(e *eventstore.EventData) { e.Data = []byte("\"\xff\"") })},
		"bad id":               {"s", bad(func(e *eventstore.EventData) { e.ID = "" })},
		"year beyond json":     {"s", bad(func(e *eventstore.EventData) { e.Metadata.RecordedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) })},
		"event over 4 MiB":     {"s", bad(func(e *eventstore.EventData) { e.Data = []byte(`"` + strings.Repeat("a", 5<<20) + `"`) })},
		"type not a wire name": {"s", bad(func(e *eventstore.EventData) { e.Type = "Order Placed" })},
	}
	for name, c := range cases {
		if _, err := s.Append(ctx, c.stream, eventstore.Any, c.events); !errors.Is(err, eventstore.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if head, err := s.Head(ctx); err != nil || head != 0 {
		t.Fatalf("head %d (%v) after refused appends, want nothing written", head, err)
	}
}

func TestLargeEventRoundTrips(t *testing.T) {
	s := open(t, tempPath(t), sqlite.Options{})
	ctx := context.Background()
	big := ev("blob.stored", `{"b":"`+strings.Repeat("ق", 1<<19)+`"}`) // 1 MiB of Arabic letters
	if _, err := s.Append(ctx, "big", eventstore.NoStream, []eventstore.EventData{big}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReadStream(ctx, "big", eventstore.ReadStreamOptions{})
	if err != nil || len(got) != 1 || !bytes.Equal(got[0].Data, big.Data) {
		t.Fatalf("1 MiB event did not round-trip: %v", err)
	}
}

func TestCloseEndsSubscriptions(t *testing.T) {
	s, err := sqlite.Open(context.Background(), tempPath(t), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Subscribe(context.Background(), eventstore.Start, func([]eventstore.RecordedEvent) error {
			close(started)
			return nil
		})
	}()
	if _, err := s.Append(context.Background(), "s", eventstore.Any, events(1)); err != nil {
		t.Fatal(err)
	}
	<-started
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, eventstore.ErrClosed) {
			t.Fatalf("Subscribe after Close returned %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Subscribe still running 5s after Close")
	}
}
