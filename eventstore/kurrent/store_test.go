package kurrent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kurrent-io/KurrentDB-Client-Go/kurrentdb"

	"github.com/souq-market/souq/eventstore"
)

// countingListener accepts TCP connections and counts them, so a test can
// prove that nothing dialled.
func countingListener(t *testing.T) (addr string, dials *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dials = new(atomic.Int64)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			dials.Add(1)
			_ = conn.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })
	return ln.Addr().String(), dials
}

func quietOpen(t *testing.T, addr string, opts Options) *Store {
	t.Helper()
	opts.Logger = slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	s, err := Open(t.Context(), "kurrentdb://"+addr+"?tls=false", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestInvalidRefusedBeforeIO(t *testing.T) {
	addr, dials := countingListener(t)
	s := quietOpen(t, addr, Options{})
	ok := eventstore.EventData{ID: "0b6c1f3e-8a4d-4c53-9d0e-2f1a3b4c5d6e", Type: "order.placed", SchemaVersion: 1, Data: json.RawMessage(`{}`)}
	bad := ok
	bad.Data = json.RawMessage(`{not json`)
	for _, tc := range []struct {
		name   string
		stream string
		events []eventstore.EventData
	}{
		{"empty stream name", "", []eventstore.EventData{ok}},
		{"system stream name", "$all", []eventstore.EventData{ok}},
		{"no events", "order-1", nil},
		{"invalid JSON", "order-1", []eventstore.EventData{bad}},
		{"invalid UTF-8 stream", "order-\xff", []eventstore.EventData{ok}},
	} {
		_, err := s.Append(t.Context(), tc.stream, eventstore.Any, tc.events)
		var ie *eventstore.InvalidError
		if !errors.Is(err, eventstore.ErrInvalid) || !errors.As(err, &ie) {
			t.Errorf("%s: %v, want an *InvalidError", tc.name, err)
		}
	}
	if _, err := s.ReadStream(t.Context(), "$ce-order", eventstore.ReadStreamOptions{}); !errors.Is(err, eventstore.ErrInvalid) {
		t.Errorf("ReadStream of a system stream: %v, want ErrInvalid", err)
	}
	time.Sleep(50 * time.Millisecond) // a lazy dial, if any, would land by now
	if n := dials.Load(); n != 0 {
		t.Errorf("refusing invalid input dialled the server %d times", n)
	}

	// The same listener shows that a valid call does dial: the count above
	// could not stay at zero by accident.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.Append(ctx, "order-1", eventstore.Any, []eventstore.EventData{ok}); err == nil || errors.Is(err, eventstore.ErrInvalid) {
		t.Errorf("valid append to a server that is not KurrentDB: %v, want a transport error", err)
	}
	if dials.Load() == 0 {
		t.Error("a valid append never dialled: the no-dial check above proves nothing")
	}
}

func TestOpenRefuses(t *testing.T) {
	for _, tc := range []struct{ conn, prefix string }{
		{"kurrentdb://127.0.0.1:2113?tls=false", "$system-"},
		{"kurrentdb://127.0.0.1:2113?tls=false", "bad\nprefix"},
		{"://nonsense", ""},
	} {
		if s, err := Open(t.Context(), tc.conn, Options{StreamPrefix: tc.prefix}); err == nil {
			_ = s.Close()
			t.Errorf("Open(%q, prefix %q) succeeded", tc.conn, tc.prefix)
		}
	}
}

func TestClosed(t *testing.T) {
	addr, _ := countingListener(t)
	s := quietOpen(t, addr, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ok := eventstore.EventData{ID: "0b6c1f3e-8a4d-4c53-9d0e-2f1a3b4c5d6e", Type: "order.placed", SchemaVersion: 1, Data: json.RawMessage(`{}`)}
	ctx := t.Context()
	_, errAppend := s.Append(ctx, "order-1", eventstore.Any, []eventstore.EventData{ok})
	_, errRead := s.ReadStream(ctx, "order-1", eventstore.ReadStreamOptions{})
	_, errAll := s.ReadAll(ctx, 0, 10)
	_, errHead := s.Head(ctx)
	errSub := s.Subscribe(ctx, 0, func([]eventstore.RecordedEvent) error { return nil })
	for name, err := range map[string]error{"Append": errAppend, "ReadStream": errRead, "ReadAll": errAll, "Head": errHead, "Subscribe": errSub} {
		if !errors.Is(err, eventstore.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
}

func TestClientLogger(t *testing.T) {
	var buf bytes.Buffer
	log := clientLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	// The client hands its arguments on as one slice; both shapes must print.
	log(kurrentdb.LogError, "subscription has dropped. Reason: %v", []any{errors.New("boom")})
	log(kurrentdb.LogWarn, "node %s at %d", "a", 7)
	out := buf.String()
	for _, want := range []string{"level=ERROR", "Reason: boom", "level=WARN", "node a at 7"} {
		if !strings.Contains(out, want) {
			t.Errorf("log output lacks %q:\n%s", want, out)
		}
	}
}

// appeared wraps one of our events as the subscription would deliver it.
func appeared(t *testing.T, stream string, revision, pos uint64, n int) *kurrentdb.SubscriptionEvent {
	t.Helper()
	enc, err := encode([]eventstore.EventData{{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", pos), Type: "test.numbered", SchemaVersion: 1,
		Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n))}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &kurrentdb.SubscriptionEvent{EventAppeared: &kurrentdb.ResolvedEvent{Event: stored(t, stream, revision, pos, enc[0])}}
}

func TestPumpBatchesAndFilters(t *testing.T) {
	s := &Store{prefix: "ns-", batch: 2}
	in := make(chan *kurrentdb.SubscriptionEvent, 16)
	system := &kurrentdb.SubscriptionEvent{EventAppeared: &kurrentdb.ResolvedEvent{Event: &kurrentdb.RecordedEvent{
		StreamID: "$stats-node", EventType: "$statsCollected", Position: kurrentdb.Position{Commit: 150, Prepare: 140}}}}
	in <- appeared(t, "ns-order-1", 0, 100, 0) // at the start position: already handed out
	in <- system                               // skipped, even with commit != prepare
	in <- appeared(t, "other-order-1", 0, 180, 0)
	in <- appeared(t, "ns-order-1", 1, 200, 1)
	in <- &kurrentdb.SubscriptionEvent{CheckPointReached: &kurrentdb.Position{Commit: 250, Prepare: 250}}
	in <- appeared(t, "ns-order-2", 0, 300, 2)
	in <- appeared(t, "ns-order-1", 2, 400, 3)
	in <- &kurrentdb.SubscriptionEvent{SubscriptionDropped: &kurrentdb.SubscriptionDropped{Error: errors.New("server went away")}}

	after := eventstore.Position(100)
	var batches [][]eventstore.Position
	err := s.pump(t.Context(), in, &after, func(b []eventstore.RecordedEvent) error {
		var ps []eventstore.Position
		for _, e := range b {
			ps = append(ps, e.Position)
		}
		batches = append(batches, ps)
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "server went away") {
		t.Errorf("pump returned %v, want the drop", err)
	}
	if fmt.Sprint(batches) != "[[200 300] [400]]" {
		t.Errorf("batches %v, want [[200 300] [400]]", batches)
	}
	if after != 400 {
		t.Errorf("resume position %d, want 400", after)
	}
}

func TestPumpStops(t *testing.T) {
	s := &Store{prefix: "", batch: 10}
	in := make(chan *kurrentdb.SubscriptionEvent, 4)
	in <- appeared(t, "order-1", 0, 100, 0)
	boom := errors.New("projection exploded")
	after := eventstore.Start
	err := s.pump(t.Context(), in, &after, func([]eventstore.RecordedEvent) error { return boom })
	var he *handleError
	if !errors.As(err, &he) || !errors.Is(err, boom) {
		t.Errorf("pump returned %v, want handle's error marked as such", err)
	}
	if after != eventstore.Start {
		t.Errorf("a refused batch moved the position to %d", after)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.pump(ctx, make(chan *kurrentdb.SubscriptionEvent), &after, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("pump with a cancelled context: %v", err)
	}

	// An event this package cannot read stops the subscription for good.
	in <- &kurrentdb.SubscriptionEvent{EventAppeared: &kurrentdb.ResolvedEvent{Event: &kurrentdb.RecordedEvent{
		StreamID: "order-9", EventType: "order.placed", ContentType: "application/json", Position: kurrentdb.Position{Commit: 900, Prepare: 900}}}}
	if err := s.pump(t.Context(), in, &after, func([]eventstore.RecordedEvent) error { return nil }); !errors.Is(err, errForeign) {
		t.Errorf("pump on a foreign event: %v, want errForeign", err)
	}
}
