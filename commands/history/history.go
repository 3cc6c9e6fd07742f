package history

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/eventstore"
)

// ErrUnknownStream: the stream's name matches no aggregate kind.
var ErrUnknownStream = errors.New("history: not an aggregate's stream")

// ErrBadCut: a cut names neither a position nor a time, or both.
var ErrBadCut = errors.New("history: bad cut")

// Cut is a moment of the log: every event at or before Position, or
// recorded at or before At. Exactly one is set; the zero Cut is the head.
type Cut struct {
	Position eventstore.Position
	At       time.Time
}

// Head is the cut holding every event.
var Head = Cut{}

func (c Cut) includes(e eventstore.RecordedEvent) bool {
	switch {
	case c.Position > 0:
		return e.Position <= c.Position
	case !c.At.IsZero():
		return !e.Metadata.RecordedAt.After(c.At)
	}
	return true
}

func (c Cut) String() string {
	switch {
	case c.Position > 0:
		return fmt.Sprintf("position %d", c.Position)
	case !c.At.IsZero():
		return c.At.UTC().Format(time.RFC3339Nano)
	}
	return "head"
}

// State is an aggregate as of a cut.
type State struct {
	Stream string `json:"stream"`
	Kind   string `json:"kind"`
	// Events folded, and the last one's revision, position and time
	// (zero when none: the aggregate did not exist yet).
	Events     int                 `json:"events"`
	Revision   uint64              `json:"revision"`
	Position   eventstore.Position `json:"position"`
	RecordedAt time.Time           `json:"recorded_at,omitzero"`
	// Fields are the aggregate's exported getters, by method name.
	Fields map[string]any `json:"fields"`
}

// Reader reads aggregates as of a cut from a store, decoding with reg.
type Reader struct {
	store eventstore.Store
	reg   *eventstore.Registry
	kinds []kind
}

// New returns a reader over store; reg is commands.NewRegistry() or the
// executor's.
func New(store eventstore.Store, reg *eventstore.Registry) *Reader {
	ks := kinds()
	// The longest prefix first: "user_email-" before a shorter one that
	// might prefix it.
	slices.SortFunc(ks, func(a, b kind) int { return len(b.prefix) - len(a.prefix) })
	return &Reader{store: store, reg: reg, kinds: ks}
}

func (r *Reader) aggregate(stream string) (string, commands.Aggregate, error) {
	k, a, err := r.kindOf(stream)
	return k.name, a, err
}

// kindOf finds a stream's kind and makes its fresh aggregate.
func (r *Reader) kindOf(stream string) (kind, commands.Aggregate, error) {
	for _, k := range r.kinds {
		if id, ok := strings.CutPrefix(stream, k.prefix); ok && id != "" {
			a, err := k.new(id)
			return k, a, err
		}
	}
	return kind{}, nil, fmt.Errorf("%w: %q", ErrUnknownStream, stream)
}

// Events reads a stream's events from first to last, all of them (an empty
// list for a stream that does not exist).
func (r *Reader) Events(ctx context.Context, stream string) ([]eventstore.RecordedEvent, error) {
	var all []eventstore.RecordedEvent
	from := uint64(0)
	for {
		page, err := r.store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{From: from, Limit: eventstore.DefaultPage})
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return all, nil
		}
		if err != nil {
			return nil, fmt.Errorf("history: read %s: %w", stream, err)
		}
		all = append(all, page...)
		if len(page) < eventstore.DefaultPage {
			return all, nil
		}
		from = page[len(page)-1].StreamRevision + 1
	}
}

// At folds a stream's events up to the cut. A stream's events are in
// position order and, as the store stamps them, in time order, so the fold
// stops at the first event past the cut.
func (r *Reader) At(ctx context.Context, stream string, cut Cut) (State, error) {
	events, err := r.Events(ctx, stream)
	if err != nil {
		return State{}, err
	}
	return r.fold(stream, events, cut)
}

func (r *Reader) fold(stream string, events []eventstore.RecordedEvent, cut Cut) (State, error) {
	name, agg, err := r.aggregate(stream)
	if err != nil {
		return State{}, err
	}
	st := State{Stream: stream, Kind: name}
	for _, e := range events {
		if !cut.includes(e) {
			break
		}
		de, err := r.decode(e)
		if err != nil {
			return State{}, err
		}
		agg.Apply(de)
		st.Events++
		st.Revision, st.Position, st.RecordedAt = e.StreamRevision, e.Position, e.Metadata.RecordedAt
	}
	st.Fields, err = Snapshot(agg)
	return st, err
}

// decode turns a stored event into the domain event an aggregate applies.
func (r *Reader) decode(e eventstore.RecordedEvent) (domain.Event, error) {
	v, err := r.reg.DecodeRecorded(e)
	if err != nil {
		return nil, fmt.Errorf("history: %s at revision %d: %w", e.StreamID, e.StreamRevision, err)
	}
	de, ok := v.(domain.Event)
	if !ok {
		return nil, fmt.Errorf("history: %s at revision %d: %s decodes to %T, not a domain event", e.StreamID, e.StreamRevision, e.Type, v)
	}
	return de, nil
}

// hidden are getters a state never shows: the pending changes (always none
// after a fold) and secrets.
var hidden = map[string]bool{"Changes": true, "PasswordHash": true}

// Snapshot reads an aggregate's exported getters — methods without
// arguments returning one value — into a map by method name, each value
// passed through JSON so that two snapshots compare as data, and what
// getters with an argument hold (an order's sub-order statuses as
// SubStatus).
func Snapshot(agg any) (map[string]any, error) {
	v := reflect.ValueOf(agg)
	t := v.Type()
	out := map[string]any{}
	raw := extras(agg)
	if raw == nil {
		raw = map[string]any{}
	}
	for i := range t.NumMethod() {
		m := t.Method(i)
		if hidden[m.Name] || m.Type.NumIn() != 1 || m.Type.NumOut() != 1 {
			continue
		}
		raw[m.Name] = v.Method(i).Call(nil)[0].Interface()
	}
	for name, got := range raw {
		b, err := json.Marshal(got)
		if err != nil {
			return nil, fmt.Errorf("history: snapshot %s: %w", name, err)
		}
		var plain any
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber() // money in minor units stays exact
		if err := d.Decode(&plain); err != nil {
			return nil, fmt.Errorf("history: snapshot %s: %w", name, err)
		}
		out[name] = plain
	}
	return out, nil
}

// Change is one field that differs between two states.
type Change struct {
	Field string `json:"field"`
	From  any    `json:"from"`
	To    any    `json:"to"`
}

// Diff is what changed between two cuts of one stream.
type Diff struct {
	From, To State
	Changes  []Change                   `json:"changes"`
	Events   []eventstore.RecordedEvent `json:"-"` // those after From's cut up to To's
}

// Between compares a stream's state at two cuts, field by field, and lists
// the events in between.
func (r *Reader) Between(ctx context.Context, stream string, from, to Cut) (Diff, error) {
	events, err := r.Events(ctx, stream)
	if err != nil {
		return Diff{}, err
	}
	a, err := r.fold(stream, events, from)
	if err != nil {
		return Diff{}, err
	}
	b, err := r.fold(stream, events, to)
	if err != nil {
		return Diff{}, err
	}
	d := Diff{From: a, To: b, Changes: Compare(a.Fields, b.Fields)}
	if a.Events < b.Events { // none when the cuts come the wrong way round
		d.Events = events[a.Events:b.Events:b.Events]
	}
	return d, nil
}

// Compare lists the fields whose values differ, sorted by name.
func Compare(a, b map[string]any) []Change {
	var names []string
	for k := range a {
		names = append(names, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var out []Change
	for _, k := range names {
		if !reflect.DeepEqual(a[k], b[k]) {
			out = append(out, Change{Field: k, From: a[k], To: b[k]})
		}
	}
	return out
}
