package domain

// Event is a fact an aggregate raised. Each event is a plain struct with JSON
// tags; its wire name ("order.placed") is a constant in its package and never
// derives from the Go type name, and its schema version starts at 1 and grows
// only with an upcaster (registered in the event store's registry).
type Event interface {
	EventType() string
	SchemaVersion() int
}

// Root is the bookkeeping every aggregate shares: how many stored events it
// was loaded from, and the events it raised since. An aggregate keeps one in
// an unexported field, calls Loaded from its Apply and Record from its raise.
type Root struct {
	version uint64
	changes []Event
}

// Loaded counts one event replayed from the store.
func (r *Root) Loaded() { r.version++ }

// Record keeps a raised (already applied) event for the caller to append.
func (r *Root) Record(e Event) { r.changes = append(r.changes, e) }

// Version is the number of stored events the aggregate was loaded from: 0
// for a new stream, so the append expects "no stream"; n > 0 expects the
// stream's last revision to be n−1.
func (r *Root) Version() uint64 { return r.version }

// Changes are the events raised since load, in order. The slice is a copy.
func (r *Root) Changes() []Event { return append([]Event(nil), r.changes...) }
