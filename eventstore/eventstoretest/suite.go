package eventstoretest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
)

// Run runs the whole acceptance suite against the backend h makes. Each case
// gets a fresh store from h.New; most run in parallel.
func Run(t *testing.T, h Harness) {
	if h.New == nil {
		t.Fatal("eventstoretest: Harness.New is nil")
	}
	if h.Limits == (eventstore.Limits{}) {
		h.Limits = eventstore.DefaultLimits
	}
	s := suite{h: h}
	t.Run("Empty", s.testEmpty)
	t.Run("ReadStream", func(t *testing.T) {
		t.Run("Forwards", s.testReadForwards)
		t.Run("Backwards", s.testReadBackwards)
		t.Run("NotFound", s.testNotFound)
	})
	t.Run("ExpectedRevision", s.testExpected)
	t.Run("Retry", s.testRetry)
	t.Run("IDReuse", s.testIDReuse)
	t.Run("Envelope", s.testEnvelope)
	t.Run("ReadAll", s.testReadAll)
	t.Run("ConcurrentAppenders", s.testConcurrentAppenders)
	t.Run("ConcurrentRetry", s.testConcurrentRetry)
	t.Run("TailWhileAppending", s.testTail)
	t.Run("SubscribeEnds", s.testSubscribeEnds)
	t.Run("Restart", s.testRestart)
	t.Run("Large", s.testLarge)
	t.Run("Hostile", s.testHostile)
	t.Run("Close", s.testClose)
}

type suite struct{ h Harness }

// tcase is one case's view of a fresh store: the streams it names carry a
// prefix of their own, so its events can be told apart on a shared $all.
type tcase struct {
	*testing.T
	st     eventstore.Store
	ctx    context.Context
	prefix string
	base   eventstore.Position // Head when the case began
	shared bool
	limits eventstore.Limits
}

// begin opens a fresh store for a case, which then runs in parallel.
func (s suite) begin(t *testing.T) *tcase {
	t.Helper()
	t.Parallel()
	return s.open(t)
}

// open is begin without t.Parallel, for cases that must not overlap.
func (s suite) open(t *testing.T) *tcase {
	t.Helper()
	st := s.h.New(t)
	if st == nil {
		t.Fatal("Harness.New returned nil")
	}
	c := &tcase{T: t, st: st, ctx: t.Context(), prefix: "t" + randomHex(5) + "-", shared: s.h.SharedAll, limits: s.h.Limits}
	c.base = c.head()
	if !c.shared && c.base != eventstore.Start {
		t.Fatalf("a fresh store has Head %d, want Start (0)", c.base)
	}
	return c
}

// stream names a stream of this case.
func (c *tcase) stream(name string) string { return c.prefix + name }

func (c *tcase) append(stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) eventstore.AppendResult {
	c.Helper()
	r, err := c.st.Append(c.ctx, stream, expected, events)
	if err != nil {
		c.Fatalf("Append(%q, %v, %d events): %v", stream, expected, len(events), err)
	}
	return r
}

func (c *tcase) read(stream string, opts eventstore.ReadStreamOptions) []eventstore.RecordedEvent {
	c.Helper()
	evs, err := c.st.ReadStream(c.ctx, stream, opts)
	if err != nil {
		c.Fatalf("ReadStream(%q, %+v): %v", stream, opts, err)
	}
	return evs
}

// readAll reads this case's events in $all after a position, page by page.
func (c *tcase) readAll(after eventstore.Position) []eventstore.RecordedEvent {
	c.Helper()
	return c.readAllPaged(after, 1000)
}

func (c *tcase) readAllPaged(after eventstore.Position, page int) []eventstore.RecordedEvent {
	c.Helper()
	var out []eventstore.RecordedEvent
	for {
		batch, err := c.st.ReadAll(c.ctx, after, page)
		if err != nil {
			c.Fatalf("ReadAll(%d, %d): %v", after, page, err)
		}
		if len(batch) > page {
			c.Fatalf("ReadAll(%d, %d) returned %d events", after, page, len(batch))
		}
		for _, e := range batch {
			if e.Position <= after {
				c.Fatalf("ReadAll(%d) returned position %d, not after it", after, e.Position)
			}
			after = e.Position
			if c.mine(e) {
				out = append(out, e)
			}
		}
		if len(batch) < page {
			return out
		}
	}
}

func (c *tcase) mine(e eventstore.RecordedEvent) bool {
	return !c.shared || strings.HasPrefix(e.StreamID, c.prefix)
}

func (c *tcase) head() eventstore.Position {
	c.Helper()
	p, err := c.st.Head(c.ctx)
	if err != nil {
		c.Fatalf("Head: %v", err)
	}
	return p
}

// state is what "nothing was written" is checked against.
type state struct {
	head eventstore.Position
	ids  []string
}

func (c *tcase) state() state {
	c.Helper()
	var ids []string
	for _, e := range c.readAll(c.base) {
		ids = append(ids, e.ID)
	}
	return state{head: c.head(), ids: ids}
}

// unchanged fails the case when anything was written since before.
func (c *tcase) unchanged(before state, what string) {
	c.Helper()
	now := c.state()
	if !c.shared && now.head != before.head {
		c.Errorf("%s: Head moved from %d to %d; nothing may be written", what, before.head, now.head)
	}
	if !reflect.DeepEqual(now.ids, before.ids) {
		c.Errorf("%s: $all changed from %d to %d events; nothing may be written", what, len(before.ids), len(now.ids))
	}
}

// notFound asserts that a stream has no events.
func (c *tcase) notFound(stream string) {
	c.Helper()
	_, err := c.st.ReadStream(c.ctx, stream, eventstore.ReadStreamOptions{})
	var nf *eventstore.StreamNotFoundError
	if !errors.Is(err, eventstore.ErrStreamNotFound) || !errors.As(err, &nf) {
		c.Errorf("ReadStream(%q) = %v, want a *StreamNotFoundError", stream, err)
	}
}

// newID returns a random (version 4) UUID in canonical lower-case form.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// event makes a valid event with a fresh ID.
func event(typ string, data string) eventstore.EventData {
	return eventstore.EventData{ID: newID(), Type: typ, SchemaVersion: 1, Data: json.RawMessage(data)}
}

// batch makes n valid events numbered from first.
func batch(first, n int) []eventstore.EventData {
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = event("test.numbered", fmt.Sprintf(`{"n":%d}`, first+i))
	}
	return out
}

func ids[E eventstore.EventData | eventstore.RecordedEvent](evs []E) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		switch e := any(e).(type) {
		case eventstore.EventData:
			out[i] = e.ID
		case eventstore.RecordedEvent:
			out[i] = e.ID
		}
	}
	return out
}

func revisions(evs []eventstore.RecordedEvent) []uint64 {
	out := make([]uint64, len(evs))
	for i, e := range evs {
		out[i] = e.StreamRevision
	}
	return out
}

// sameJSON reports whether two JSON documents mean the same: a backend may
// store JSON in a normalised form (PostgreSQL jsonb reorders keys, drops
// white space and rewrites 1.5e3 as 1500), so documents are compared by
// meaning, numbers as exact rationals so no digit may be lost.
func sameJSON(a, b []byte) bool {
	x, errA := decodeJSON(a)
	y, errB := decodeJSON(b)
	return errA == nil && errB == nil && sameValue(x, y)
}

func decodeJSON(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("trailing data")
	}
	return v, nil
}

func sameValue(x, y any) bool {
	switch x := x.(type) {
	case json.Number:
		y, ok := y.(json.Number)
		if !ok {
			return false
		}
		a, okA := new(big.Rat).SetString(string(x))
		b, okB := new(big.Rat).SetString(string(y))
		return okA && okB && a.Cmp(b) == 0
	case []any:
		y, ok := y.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := y.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	default: // string, bool, nil
		return x == y
	}
}

// sameTime reports whether two instants agree to the microsecond, the
// finest precision every backend keeps.
func sameTime(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -time.Microsecond && d < time.Microsecond
}

// sameRecorded compares two recorded events field by field.
func sameRecorded(got, want eventstore.RecordedEvent) error {
	var diffs []string
	if got.ID != want.ID || got.StreamID != want.StreamID || got.StreamRevision != want.StreamRevision ||
		got.Position != want.Position || got.Type != want.Type || got.SchemaVersion != want.SchemaVersion {
		diffs = append(diffs, fmt.Sprintf("envelope %s/%q@%d pos %d %q v%d, want %s/%q@%d pos %d %q v%d",
			got.ID, got.StreamID, got.StreamRevision, got.Position, got.Type, got.SchemaVersion,
			want.ID, want.StreamID, want.StreamRevision, want.Position, want.Type, want.SchemaVersion))
	}
	if !sameJSON(got.Data, want.Data) {
		diffs = append(diffs, fmt.Sprintf("data %.200s, want %.200s", got.Data, want.Data))
	}
	gm, wm := got.Metadata, want.Metadata
	if !sameTime(gm.RecordedAt, wm.RecordedAt) {
		diffs = append(diffs, fmt.Sprintf("recorded at %v, want %v", gm.RecordedAt, wm.RecordedAt))
	}
	gm.RecordedAt, wm.RecordedAt = time.Time{}, time.Time{}
	if gm != wm {
		diffs = append(diffs, fmt.Sprintf("metadata %+v, want %+v", gm, wm))
	}
	if len(diffs) > 0 {
		return errors.New(strings.Join(diffs, "; "))
	}
	return nil
}

// sameEvents compares two sequences of recorded events.
func (c *tcase) sameEvents(what string, got, want []eventstore.RecordedEvent) {
	c.Helper()
	if len(got) != len(want) {
		c.Errorf("%s: %d events %v, want %d %v", what, len(got), ids(got), len(want), ids(want))
		return
	}
	for i := range got {
		if err := sameRecorded(got[i], want[i]); err != nil {
			c.Errorf("%s: event %d: %v", what, i, err)
		}
	}
}
