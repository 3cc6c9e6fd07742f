package eventstore

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// Upcaster turns the JSON of one schema version into the next version's.
type Upcaster func(data json.RawMessage) (json.RawMessage, error)

// UpcastStep upgrades a payload from schema version From to From+1.
type UpcastStep struct {
	From int
	Fn   Upcaster
}

// Registry maps stable wire names to Go types and back. Every event type is
// registered by hand, with its current schema version and the upcasters from
// each older version; nothing is derived from Go type names, so renaming a Go
// type never renames an event.
//
// A Registry is filled at start-up and read-only afterwards; reads are safe
// from many goroutines.
type Registry struct {
	byName map[string]*registration
	byType map[reflect.Type]*registration
}

type registration struct {
	name      string
	version   int
	goType    reflect.Type
	upcasters map[int]Upcaster
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byName: map[string]*registration{}, byType: map[reflect.Type]*registration{}}
}

// Register adds event type T under a wire name at its current schema
// version, with one upcaster for every older version. Mistakes here are
// programming errors found at start-up, so they panic with a clear message.
func Register[T any](r *Registry, name string, version int, steps ...UpcastStep) {
	r.register(reflect.TypeFor[T](), name, version, steps)
}

// RegisterValue is Register for a type known by one of its values, for
// packages that list their event types as values. The wire name is still
// given explicitly, never derived from the Go type.
func (r *Registry) RegisterValue(sample any, name string, version int, steps ...UpcastStep) {
	if sample == nil {
		panic(fmt.Sprintf("eventstore: register %q: nil sample", name))
	}
	r.register(reflect.TypeOf(sample), name, version, steps)
}

func (r *Registry) register(t reflect.Type, name string, version int, steps []UpcastStep) {
	switch {
	case !eventTypePattern.MatchString(name) || len(name) > maxEventTypeBytes:
		panic(fmt.Sprintf("eventstore: register %v: %q is not a wire name like \"order.placed\"", t, name))
	case version < 1:
		panic(fmt.Sprintf("eventstore: register %q: schema version %d, it starts at 1", name, version))
	case r.byName[name] != nil:
		panic(fmt.Sprintf("eventstore: register %q twice", name))
	case r.byType[t] != nil:
		panic(fmt.Sprintf("eventstore: register %v twice (as %q and %q)", t, r.byType[t].name, name))
	case t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface:
		panic(fmt.Sprintf("eventstore: register %q: use a value type, not %v", name, t))
	}
	reg := &registration{name: name, version: version, goType: t, upcasters: map[int]Upcaster{}}
	for _, s := range steps {
		if s.From < 1 || s.From >= version || s.Fn == nil || reg.upcasters[s.From] != nil {
			panic(fmt.Sprintf("eventstore: register %q: bad upcaster from version %d", name, s.From))
		}
		reg.upcasters[s.From] = s.Fn
	}
	for v := 1; v < version; v++ {
		if reg.upcasters[v] == nil {
			panic(fmt.Sprintf("eventstore: register %q: no upcaster from version %d to %d", name, v, v+1))
		}
	}
	r.byName[name] = reg
	r.byType[t] = reg
}

// Types lists the registered wire names and their current schema versions.
func (r *Registry) Types() map[string]int {
	out := make(map[string]int, len(r.byName))
	for name, reg := range r.byName {
		out[name] = reg.version
	}
	return out
}

// Encode marshals a registered event value, returning its wire name, current
// schema version and JSON.
func (r *Registry) Encode(event any) (name string, version int, data json.RawMessage, err error) {
	reg := r.byType[reflect.TypeOf(event)]
	if reg == nil {
		return "", 0, nil, &UnknownEventTypeError{Type: fmt.Sprintf("%T", event)}
	}
	data, err = json.Marshal(event)
	if err != nil {
		return "", 0, nil, fmt.Errorf("eventstore: encode %s: %w", reg.name, err)
	}
	return reg.name, reg.version, data, nil
}

// NewEvent encodes a registered event value into EventData with an ID and
// metadata, ready to append.
func (r *Registry) NewEvent(id string, event any, md Metadata) (EventData, error) {
	name, version, data, err := r.Encode(event)
	if err != nil {
		return EventData{}, err
	}
	return EventData{ID: id, Type: name, SchemaVersion: version, Data: data, Metadata: md}, nil
}

// Decode turns stored JSON of a given type and schema version into the
// registered Go value, upcasting old versions first. An unregistered type, or
// a version newer than the registered one, is an *UnknownEventTypeError.
func (r *Registry) Decode(name string, version int, data json.RawMessage) (any, error) {
	reg := r.byName[name]
	if reg == nil || version < 1 || version > reg.version {
		return nil, &UnknownEventTypeError{Type: name, SchemaVersion: version}
	}
	for v := version; v < reg.version; v++ {
		next, err := reg.upcasters[v](data)
		if err != nil {
			return nil, fmt.Errorf("eventstore: upcast %s from version %d: %w", name, v, err)
		}
		data = next
	}
	ptr := reflect.New(reg.goType)
	if err := json.Unmarshal(data, ptr.Interface()); err != nil {
		return nil, fmt.Errorf("eventstore: decode %s version %d: %w", name, version, err)
	}
	return ptr.Elem().Interface(), nil
}

// DecodeRecorded decodes a recorded event's payload.
func (r *Registry) DecodeRecorded(e RecordedEvent) (any, error) {
	return r.Decode(e.Type, e.SchemaVersion, e.Data)
}
