package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// --- Registry ---

type placedV3 struct {
	OrderID  string `json:"order_id"`
	Total    int64  `json:"total_minor"`
	Currency string `json:"currency"`
}

type cancelled struct {
	OrderID string `json:"order_id"`
	Reason  string `json:"reason"`
}

// v1 had "amount" in major units; v2 renamed it to "total_minor" in minor
// units; v3 added the currency, which v1 and v2 orders were always in AED.
func placedRegistry(t testing.TB) *Registry {
	t.Helper()
	r := NewRegistry()
	Register[placedV3](r, "order.placed", 3,
		UpcastStep{From: 2, Fn: func(d json.RawMessage) (json.RawMessage, error) {
			var m map[string]any
			if err := json.Unmarshal(d, &m); err != nil {
				return nil, err
			}
			m["currency"] = "AED"
			return json.Marshal(m)
		}},
		UpcastStep{From: 1, Fn: func(d json.RawMessage) (json.RawMessage, error) {
			var v struct {
				OrderID string `json:"order_id"`
				Amount  int64  `json:"amount"`
			}
			if err := json.Unmarshal(d, &v); err != nil {
				return nil, err
			}
			if v.Amount < 0 {
				return nil, errors.New("negative amount")
			}
			return json.Marshal(map[string]any{"order_id": v.OrderID, "total_minor": v.Amount * 100})
		}},
	)
	Register[cancelled](r, "order.cancelled", 1)
	return r
}

func TestRegistryEncodeDecode(t *testing.T) {
	r := placedRegistry(t)
	in := placedV3{OrderID: "o-1", Total: 45000, Currency: "SAR"}
	name, version, data, err := r.Encode(in)
	if err != nil || name != "order.placed" || version != 3 {
		t.Fatalf("Encode: %q v%d %v", name, version, err)
	}
	out, err := r.Decode(name, version, data)
	if err != nil || out != in {
		t.Fatalf("Decode: %#v, %v; want %#v", out, err, in)
	}
	ed, err := r.NewEvent("11111111-2222-4333-8444-555555555555", cancelled{OrderID: "o-1", Reason: "changed mind"}, Metadata{CommandID: "c-1"})
	if err != nil || ed.Type != "order.cancelled" || ed.SchemaVersion != 1 || ed.Metadata.CommandID != "c-1" || ed.ID == "" {
		t.Fatalf("NewEvent: %+v, %v", ed, err)
	}
	got, err := r.DecodeRecorded(RecordedEvent{Type: ed.Type, SchemaVersion: ed.SchemaVersion, Data: ed.Data})
	if err != nil || got != (cancelled{OrderID: "o-1", Reason: "changed mind"}) {
		t.Fatalf("DecodeRecorded: %#v, %v", got, err)
	}
	if types := r.Types(); len(types) != 2 || types["order.placed"] != 3 || types["order.cancelled"] != 1 {
		t.Errorf("Types: %v", types)
	}
}

func TestRegistryUpcasts(t *testing.T) {
	r := placedRegistry(t)
	for _, tc := range []struct {
		version int
		data    string
		want    placedV3
	}{
		{1, `{"order_id":"o-1","amount":450}`, placedV3{"o-1", 45000, "AED"}},
		{2, `{"order_id":"o-2","total_minor":12345}`, placedV3{"o-2", 12345, "AED"}},
		{3, `{"order_id":"o-3","total_minor":99,"currency":"KWD"}`, placedV3{"o-3", 99, "KWD"}},
	} {
		got, err := r.Decode("order.placed", tc.version, json.RawMessage(tc.data))
		if err != nil || got != tc.want {
			t.Errorf("Decode v%d: %#v, %v; want %#v", tc.version, got, err, tc.want)
		}
	}
	// A failing upcaster is reported with the version it failed at.
	_, err := r.Decode("order.placed", 1, json.RawMessage(`{"order_id":"o","amount":-1}`))
	if err == nil || !strings.Contains(err.Error(), "from version 1") || errors.Is(err, ErrUnknownEventType) {
		t.Errorf("failing upcaster: %v", err)
	}
	if _, err := r.Decode("order.placed", 3, json.RawMessage(`{"total_minor":"lots"}`)); err == nil {
		t.Error("Decode of JSON that does not fit the type succeeded")
	}
}

func TestRegistryUnknown(t *testing.T) {
	r := placedRegistry(t)
	for _, tc := range []struct {
		name    string
		version int
	}{
		{"order.shipped", 1},   // never registered
		{"order.placed", 4},    // newer than this build knows
		{"order.placed", 0},    // no such version
		{"order.placed", -3},   // no such version
		{"Order.Placed", 3},    // names are exact
		{"order.cancelled", 2}, // newer
	} {
		_, err := r.Decode(tc.name, tc.version, json.RawMessage(`{}`))
		var ue *UnknownEventTypeError
		if !errors.Is(err, ErrUnknownEventType) || !errors.As(err, &ue) || ue.Type != tc.name || ue.SchemaVersion != tc.version {
			t.Errorf("Decode(%q, %d): %v, want an *UnknownEventTypeError naming it", tc.name, tc.version, err)
		}
	}
	type unregistered struct{ A int }
	for _, v := range []any{unregistered{1}, &placedV3{}, nil, "order.placed"} {
		if _, _, _, err := r.Encode(v); !errors.Is(err, ErrUnknownEventType) {
			t.Errorf("Encode(%T): %v, want ErrUnknownEventType", v, err)
		}
		if _, err := r.NewEvent("11111111-2222-4333-8444-555555555555", v, Metadata{}); !errors.Is(err, ErrUnknownEventType) {
			t.Errorf("NewEvent(%T): %v, want ErrUnknownEventType", v, err)
		}
	}
}

func TestRegisterPanics(t *testing.T) {
	up := func(d json.RawMessage) (json.RawMessage, error) { return d, nil }
	type a struct{}
	type b struct{}
	for _, tc := range []struct {
		name string
		reg  func(r *Registry)
	}{
		{"bad wire name", func(r *Registry) { Register[a](r, "Order Placed", 1) }},
		{"empty wire name", func(r *Registry) { Register[a](r, "", 1) }},
		{"wire name too long", func(r *Registry) { Register[a](r, strings.Repeat("a", 129), 1) }},
		{"version 0", func(r *Registry) { Register[a](r, "order.placed", 0) }},
		{"same name twice", func(r *Registry) { Register[a](r, "order.placed", 1); Register[b](r, "order.placed", 1) }},
		{"same type twice", func(r *Registry) { Register[a](r, "order.placed", 1); Register[a](r, "order.other", 1) }},
		{"pointer type", func(r *Registry) { Register[*a](r, "order.placed", 1) }},
		{"interface type", func(r *Registry) { Register[error](r, "order.placed", 1) }},
		{"missing upcaster", func(r *Registry) { Register[a](r, "order.placed", 3, UpcastStep{From: 1, Fn: up}) }},
		{"upcaster from current version", func(r *Registry) {
			Register[a](r, "order.placed", 2, UpcastStep{From: 1, Fn: up}, UpcastStep{From: 2, Fn: up})
		}},
		{"upcaster from 0", func(r *Registry) { Register[a](r, "order.placed", 2, UpcastStep{From: 0, Fn: up}) }},
		{"nil upcaster", func(r *Registry) { Register[a](r, "order.placed", 2, UpcastStep{From: 1}) }},
		{"upcaster twice", func(r *Registry) {
			Register[a](r, "order.placed", 2, UpcastStep{From: 1, Fn: up}, UpcastStep{From: 1, Fn: up})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				msg, ok := recover().(string)
				if !ok || !strings.HasPrefix(msg, "eventstore: register") {
					t.Errorf("want a panic with a clear message, got %q", msg)
				}
			}()
			tc.reg(NewRegistry())
		})
	}
}

// --- ExpectedRevision ---

func TestExpectedCheck(t *testing.T) {
	for _, tc := range []struct {
		expected ExpectedRevision
		current  uint64
		exists   bool
		ok       bool
	}{
		{Any, 0, false, true},
		{Any, 7, true, true},
		{NoStream, 0, false, true},
		{NoStream, 0, true, false},
		{StreamExists, 0, false, false},
		{StreamExists, 0, true, true},
		{Exact(0), 0, false, false}, // revision 0 is the first event, which does not exist
		{Exact(0), 0, true, true},
		{Exact(3), 3, true, true},
		{Exact(3), 2, true, false},
		{Exact(3), 4, true, false},
		{Exact(End), End, true, true},
	} {
		err := tc.expected.Check("s", tc.current, tc.exists)
		if tc.ok {
			if err != nil {
				t.Errorf("%v on (%d, exists %v): %v", tc.expected, tc.current, tc.exists, err)
			}
			continue
		}
		var ce *ConflictError
		if !errors.Is(err, ErrConflict) || !errors.As(err, &ce) || ce.Stream != "s" || ce.Expected != tc.expected ||
			ce.StreamExists != tc.exists || ce.Actual != tc.current {
			t.Errorf("%v on (%d, exists %v): %v, want a *ConflictError with the actual state", tc.expected, tc.current, tc.exists, err)
		}
	}
}

func TestExpectedAccessors(t *testing.T) {
	if r, ok := Exact(9).Revision(); !ok || r != 9 {
		t.Errorf("Exact(9).Revision() = %d, %v", r, ok)
	}
	for _, e := range []ExpectedRevision{Any, NoStream, StreamExists} {
		if _, ok := e.Revision(); ok {
			t.Errorf("%v claims an exact revision", e)
		}
	}
	if !Any.IsAny() || !NoStream.IsNoStream() || !StreamExists.IsStreamExists() || Exact(0).IsAny() || Any.IsNoStream() {
		t.Error("kind accessors disagree with the constructors")
	}
	if Exact(0) == NoStream || Exact(0) == Any {
		t.Error("Exact(0) compares equal to another kind")
	}
	got := []string{Any.String(), NoStream.String(), StreamExists.String(), Exact(4).String()}
	want := []string{"any", "no stream", "stream exists", "revision 4"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("String: %q, want %q", got, want)
	}
	msg := (&ConflictError{Stream: "order-1", Expected: Exact(4), Actual: 6, StreamExists: true}).Error()
	if !strings.Contains(msg, "revision 4") || !strings.Contains(msg, "revision 6") {
		t.Errorf("ConflictError message %q lacks the revisions", msg)
	}
}

// --- ValidateAppend ---

const uuid1 = "0e5b4a5c-6f0e-4c5c-9a53-2a1d7a0a7b01"

func okEvent() EventData {
	return EventData{ID: uuid1, Type: "order.placed", SchemaVersion: 1, Data: json.RawMessage(`{"a":1}`)}
}

func TestValidateAppend(t *testing.T) {
	small := Limits{MaxStreamIDBytes: 10, MaxEventsPerAppend: 2, MaxEventBytes: 100, MaxAppendBytes: 150}
	ev := func(change func(*EventData)) []EventData {
		e := okEvent()
		change(&e)
		return []EventData{e}
	}
	second := okEvent()
	second.ID = "0e5b4a5c-6f0e-4c5c-9a53-2a1d7a0a7b02"
	pad := func(n int) json.RawMessage { return json.RawMessage(`"` + strings.Repeat("x", n-2) + `"`) }
	for _, tc := range []struct {
		name     string
		limits   Limits
		stream   string
		events   []EventData
		problems []string // substrings, one per problem, in order
	}{
		{"valid", DefaultLimits, "order-1", []EventData{okEvent()}, nil},
		{"valid, two events", DefaultLimits, "order-1", []EventData{okEvent(), second}, nil},
		{"valid, Arabic stream and scalar data", DefaultLimits, "طلب-١", ev(func(e *EventData) { e.Data = json.RawMessage(`"عطر"`) }), nil},
		{"valid, at the stream limit", small, "0123456789", []EventData{okEvent()}, nil},
		{"empty stream", DefaultLimits, "", []EventData{okEvent()}, []string{"stream id is empty"}},
		{"long stream", small, "01234567890", []EventData{okEvent()}, []string{"11 bytes, the most is 10"}},
		{"bad UTF-8 stream", DefaultLimits, "a\xffb", []EventData{okEvent()}, []string{"not valid UTF-8"}},
		{"$ stream", DefaultLimits, "$all", []EventData{okEvent()}, []string{"starts with $"}},
		{"spaced stream", DefaultLimits, "order-1\t", []EventData{okEvent()}, []string{"white space"}},
		{"control stream", DefaultLimits, "ord\x01er", []EventData{okEvent()}, []string{"control character"}},
		{"no events", DefaultLimits, "s", nil, []string{"no events"}},
		{"too many events", small, "s", []EventData{okEvent(), second, okEvent()}, []string{"3 events in one append", "repeats event 0", "append of 213 bytes"}},
		{"bad id", DefaultLimits, "s", ev(func(e *EventData) { e.ID = "nope" }), []string{`id "nope"`}},
		{"upper-case id", DefaultLimits, "s", ev(func(e *EventData) { e.ID = strings.ToUpper(uuid1) }), []string{"lower-case"}},
		{"nil id", DefaultLimits, "s", ev(func(e *EventData) { e.ID = "00000000-0000-0000-0000-000000000000" }), []string{"non-nil"}},
		{"duplicate id", DefaultLimits, "s", []EventData{okEvent(), okEvent()}, []string{"event 1: id " + uuid1 + " repeats event 0"}},
		{"bad type", DefaultLimits, "s", ev(func(e *EventData) { e.Type = "order-placed" }), []string{"type"}},
		{"long type", DefaultLimits, "s", ev(func(e *EventData) { e.Type = strings.Repeat("a", 129) }), []string{"type"}},
		{"version 0", DefaultLimits, "s", ev(func(e *EventData) { e.SchemaVersion = 0 }), []string{"schema version 0"}},
		{"empty data", DefaultLimits, "s", ev(func(e *EventData) { e.Data = nil }), []string{"empty data"}},
		{"bad UTF-8 data", DefaultLimits, "s", ev(func(e *EventData) { e.Data = json.RawMessage("\"\xc3\"") }), []string{"not valid UTF-8"}},
		{"bad JSON", DefaultLimits, "s", ev(func(e *EventData) { e.Data = json.RawMessage(`{"a"}`) }), []string{"not valid JSON"}},
		{"NUL in data", DefaultLimits, "s", ev(func(e *EventData) { e.Data = json.RawMessage(`["\u0000"]`) }), []string{"NUL"}},
		{"bad metadata", DefaultLimits, "s", ev(func(e *EventData) {
			e.Metadata = Metadata{CommandID: strings.Repeat("c", 513), Actor: Actor{Role: "\xff"}, CausationID: "a\x00"}
		}), []string{"actor.role, causation_id, command_id"}},
		{"event too big", small, "s", ev(func(e *EventData) { e.Data = pad(37) }), []string{"101 bytes, the most is 100"}},
		{"event at the limit", small, "s", ev(func(e *EventData) { e.Data = pad(36) }), nil},
		{"append too big", small, "s", []EventData{
			func() EventData { e := okEvent(); e.Data = pad(36); return e }(),
			func() EventData { e := second; e.Data = pad(36); return e }(),
		}, []string{"append of 200 bytes, the most is 150"}},
		{"everything at once", DefaultLimits, "", []EventData{{ID: "x", Type: "X", Data: json.RawMessage(`{`)}},
			[]string{"stream id", `id "x"`, `type "X"`, "schema version 0", "not valid JSON"}},
	} {
		err := tc.limits.ValidateAppend(tc.stream, tc.events)
		if len(tc.problems) == 0 {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var ie *InvalidError
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &ie) {
			t.Errorf("%s: %v, want an *InvalidError", tc.name, err)
			continue
		}
		if len(ie.Problems) != len(tc.problems) {
			t.Errorf("%s: problems %q, want %d", tc.name, ie.Problems, len(tc.problems))
			continue
		}
		for i, p := range tc.problems {
			if !strings.Contains(ie.Problems[i], p) {
				t.Errorf("%s: problem %d is %q, want it to mention %q", tc.name, i, ie.Problems[i], p)
			}
		}
	}
}

func TestValidateStreamID(t *testing.T) {
	if err := DefaultLimits.ValidateStreamID("order-1"); err != nil {
		t.Errorf("valid stream: %v", err)
	}
	long := strings.Repeat("\xff", 300)
	err := DefaultLimits.ValidateStreamID(long)
	var ie *InvalidError
	if !errors.As(err, &ie) || len(ie.Problems) != 1 {
		t.Fatalf("long stream: %v", err)
	}
	// The error must stay short and printable whatever the input was.
	if !utf8.ValidString(ie.Stream) || len(ie.Stream) > 80 || !utf8.ValidString(err.Error()) {
		t.Errorf("error does not clip hostile input: %q", err.Error())
	}
}

func FuzzValidateAppend(f *testing.F) {
	f.Add("order-1", uuid1, "order.placed", 1, []byte(`{"a":1}`), "cmd")
	f.Add("", "x", "X", 0, []byte(`{`), "")
	f.Add("$all", uuid1, "a.b", 2, []byte("\"\xff\""), "\x00")
	f.Add("ord\u0085er", uuid1, "a..b", -1, []byte(`"\u0000"`), strings.Repeat("k", 600))
	f.Add(" s", uuid1, "a", 1, []byte(`1e999999`), "")
	f.Fuzz(func(t *testing.T, stream, id, typ string, version int, data []byte, commandID string) {
		events := []EventData{{ID: id, Type: typ, SchemaVersion: version, Data: data, Metadata: Metadata{CommandID: commandID}}}
		err := DefaultLimits.ValidateAppend(stream, events)
		if err == nil {
			if !json.Valid(data) || !utf8.Valid(data) {
				t.Fatalf("accepted data that is not valid UTF-8 JSON: %q", data)
			}
			if DefaultLimits.ValidateStreamID(stream) != nil || version < 1 || !utf8.ValidString(commandID) {
				t.Fatalf("accepted stream %q, version %d, command id %q", stream, version, commandID)
			}
			return
		}
		var ie *InvalidError
		if !errors.As(err, &ie) || len(ie.Problems) == 0 {
			t.Fatalf("refusal %v is not an *InvalidError with problems", err)
		}
		if msg := err.Error(); !utf8.ValidString(ie.Stream) || len(ie.Stream) > 80 || msg == "" {
			t.Fatalf("error message not clipped: %q", msg)
		}
	})
}

// --- MatchRetry ---

func TestMatchRetry(t *testing.T) {
	ids := []string{
		"0e5b4a5c-6f0e-4c5c-9a53-2a1d7a0a7b01",
		"0e5b4a5c-6f0e-4c5c-9a53-2a1d7a0a7b02",
		"0e5b4a5c-6f0e-4c5c-9a53-2a1d7a0a7b03",
	}
	events := make([]EventData, 3)
	stored := make([]RecordedEvent, 3)
	for i, id := range ids {
		events[i] = EventData{ID: id, Type: "order.placed", SchemaVersion: 1, Data: json.RawMessage(`{}`)}
		stored[i] = RecordedEvent{ID: id, StreamID: "s", StreamRevision: uint64(4 + i), Position: Position(40 + 3*i), Type: "order.placed"}
	}
	want := AppendResult{NextRevision: 6, Position: 46}

	got, err := MatchRetry("s", events, stored)
	if err != nil || got != want {
		t.Errorf("faithful retry: %+v, %v; want %+v", got, err, want)
	}
	shuffled := []RecordedEvent{stored[2], stored[0], stored[1]}
	if got, err := MatchRetry("s", events, shuffled); err != nil || got != want {
		t.Errorf("existing given in another order: %+v, %v; want %+v", got, err, want)
	}
	if got, err := MatchRetry("s", events[1:2], stored[1:2]); err != nil || got != (AppendResult{5, 43}) {
		t.Errorf("single event: %+v, %v", got, err)
	}

	otherType := append([]RecordedEvent(nil), stored...)
	otherType[1].Type = "order.cancelled"
	gap := append([]RecordedEvent(nil), stored...)
	gap[2].StreamRevision = 9
	for _, tc := range []struct {
		name     string
		stream   string
		events   []EventData
		existing []RecordedEvent
		reason   string
	}{
		{"partial", "s", events, stored[:2], "only part"},
		{"partial, first missing", "s", events, stored[1:], "only part"},
		{"other stream", "t", events, stored, `stream "s"`},
		{"other type", "s", events, otherType, "type"},
		{"reordered", "s", []EventData{events[1], events[0], events[2]}, stored, "order"},
		{"not consecutive", "s", events, gap, "order"},
	} {
		_, err := MatchRetry(tc.stream, tc.events, tc.existing)
		var re *IDReuseError
		if !errors.Is(err, ErrIDReuse) || !errors.As(err, &re) || !strings.Contains(re.Reason, tc.reason) {
			t.Errorf("%s: %v, want an *IDReuseError about %q", tc.name, err, tc.reason)
		}
	}
}

// --- Signal and Follow ---

// log is a tiny in-memory $all for Follow to read.
type log struct {
	mu     sync.Mutex
	events []RecordedEvent
	signal Signal
	reads  int
	fail   error
}

func (l *log) add(n int) {
	l.mu.Lock()
	for range n {
		p := Position(len(l.events) + 1)
		l.events = append(l.events, RecordedEvent{ID: fmt.Sprint(p), Position: p})
	}
	l.mu.Unlock()
}

func (l *log) read(ctx context.Context, after Position, limit int) ([]RecordedEvent, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reads++
	if l.fail != nil {
		return nil, l.fail
	}
	if int(after) >= len(l.events) {
		return nil, nil
	}
	end := min(len(l.events), int(after)+limit)
	return append([]RecordedEvent(nil), l.events[after:end]...), nil
}

// follow runs Follow in the background, collecting positions.
func follow(ctx context.Context, l *log, after Position, opts FollowOptions, wake func() <-chan struct{}) (got func() []Position, done <-chan error) {
	var mu sync.Mutex
	var seen []Position
	errc := make(chan error, 1)
	go func() {
		errc <- Follow(ctx, after, opts, l.read, wake, func(b []RecordedEvent) error {
			mu.Lock()
			defer mu.Unlock()
			if len(b) == 0 || len(b) > max(opts.BatchSize, 512) {
				return fmt.Errorf("batch of %d", len(b))
			}
			for _, e := range b {
				seen = append(seen, e.Position)
			}
			return nil
		})
	}()
	return func() []Position {
		mu.Lock()
		defer mu.Unlock()
		return append([]Position(nil), seen...)
	}, errc
}

func waitPositions(t *testing.T, got func() []Position, n int, within time.Duration) []Position {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if p := got(); len(p) >= n {
			return p
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("after %v: %d of %d events", within, len(got()), n)
	return nil
}

func checkRun(t *testing.T, got []Position, from, to Position) {
	t.Helper()
	if len(got) != int(to-from) {
		t.Fatalf("got %d positions %v, want %d..%d", len(got), got, from+1, to)
	}
	for i, p := range got {
		if p != from+1+Position(i) {
			t.Fatalf("position %d is %d, want %d", i, p, from+1+Position(i))
		}
	}
}

func TestSignal(t *testing.T) {
	var s Signal
	s.Notify() // no waiter: nothing to do, must not panic
	a, b := s.Wait(), s.Wait()
	if a != b {
		t.Error("waiters before one Notify share one channel")
	}
	select {
	case <-a:
		t.Fatal("closed before Notify")
	default:
	}
	s.Notify()
	<-a
	c := s.Wait()
	select {
	case <-c:
		t.Fatal("a Wait after Notify is already closed")
	default:
	}
}

func TestFollowWakeUp(t *testing.T) {
	l := &log{}
	l.add(3)
	// A poll interval far beyond the test: only the wake-up can deliver.
	got, done := follow(t.Context(), l, Start, FollowOptions{Poll: time.Hour}, l.signal.Wait)
	waitPositions(t, got, 3, 5*time.Second)
	for round := 1; round <= 5; round++ {
		l.add(2)
		l.signal.Notify()
		checkRun(t, waitPositions(t, got, 3+2*round, 5*time.Second), 0, Position(3+2*round))
	}
	select {
	case err := <-done:
		t.Fatalf("Follow ended: %v", err)
	default:
	}
}

func TestFollowPollFallback(t *testing.T) {
	l := &log{}
	never := func() <-chan struct{} { return nil } // a lost wake-up, for ever
	got, _ := follow(t.Context(), l, Start, FollowOptions{Poll: 10 * time.Millisecond}, never)
	l.add(4)
	checkRun(t, waitPositions(t, got, 4, 5*time.Second), 0, 4)
}

func TestFollowBatches(t *testing.T) {
	l := &log{}
	l.add(11)
	never := func() <-chan struct{} { return nil }
	// Full batches are read back to back, without waiting for a poll.
	got, _ := follow(t.Context(), l, 2, FollowOptions{BatchSize: 3, Poll: time.Hour}, never)
	checkRun(t, waitPositions(t, got, 9, 5*time.Second), 2, 11)
}

func TestFollowEnds(t *testing.T) {
	t.Run("cancel", func(t *testing.T) {
		l := &log{}
		ctx, cancel := context.WithCancel(t.Context())
		_, done := follow(ctx, l, Start, FollowOptions{Poll: time.Hour}, l.signal.Wait)
		time.Sleep(10 * time.Millisecond)
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Follow returned %v, want context.Canceled", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Follow did not end on cancel")
		}
	})
	t.Run("read fails", func(t *testing.T) {
		boom := errors.New("disk on fire")
		l := &log{fail: boom}
		_, done := follow(t.Context(), l, Start, FollowOptions{}, l.signal.Wait)
		if err := <-done; !errors.Is(err, boom) {
			t.Errorf("Follow returned %v, want the read error", err)
		}
	})
	t.Run("read fails because cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		l := &log{fail: errors.New("connection closed")}
		_, done := follow(ctx, l, Start, FollowOptions{}, l.signal.Wait)
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Follow returned %v, want ctx.Err()", err)
		}
	})
	t.Run("handle fails", func(t *testing.T) {
		l := &log{}
		l.add(5)
		boom := errors.New("projection failed")
		calls := 0
		err := Follow(t.Context(), Start, FollowOptions{BatchSize: 2}, l.read, l.signal.Wait, func([]RecordedEvent) error {
			calls++
			return boom
		})
		if !errors.Is(err, boom) || calls != 1 {
			t.Errorf("Follow returned %v after %d calls, want handle's error after 1", err, calls)
		}
	})
}

// TestFollowRace appends from several goroutines while Follow tails with
// wake-ups: nothing is lost between the read and the wait.
func TestFollowRace(t *testing.T) {
	l := &log{}
	got, _ := follow(t.Context(), l, Start, FollowOptions{BatchSize: 7, Poll: time.Hour}, l.signal.Wait)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				l.add(1 + rand.IntN(3))
				l.signal.Notify()
			}
		})
	}
	wg.Wait()
	l.mu.Lock()
	n := len(l.events)
	l.mu.Unlock()
	checkRun(t, waitPositions(t, got, n, 5*time.Second), 0, Position(n))
}

func TestErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		err    error
		target error
		text   string
	}{
		{&StreamNotFoundError{Stream: "order-1"}, ErrStreamNotFound, `"order-1" not found`},
		{&UnknownEventTypeError{Type: "x.y", SchemaVersion: 2}, ErrUnknownEventType, `"x.y" (schema version 2)`},
		{&InvalidError{Stream: "s", Problems: []string{"a", "b"}}, ErrInvalid, "a; b"},
		{&IDReuseError{EventID: uuid1, Reason: "why"}, ErrIDReuse, uuid1 + " reused: why"},
		{&ConflictError{Stream: "s", Expected: NoStream, StreamExists: true, Actual: 2}, ErrConflict, "expected no stream, found revision 2"},
		{&ConflictError{Stream: "s", Expected: StreamExists}, ErrConflict, "found no stream"},
	} {
		wrapped := fmt.Errorf("while appending: %w", tc.err)
		if !errors.Is(wrapped, tc.target) || !strings.Contains(tc.err.Error(), tc.text) {
			t.Errorf("%T: %q does not match %v or lacks %q", tc.err, tc.err.Error(), tc.target, tc.text)
		}
		if errors.Is(tc.err, ErrClosed) {
			t.Errorf("%T matches ErrClosed", tc.err)
		}
	}
}
