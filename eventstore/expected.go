package eventstore

import "fmt"

// ExpectedRevision is the optimistic-concurrency precondition of an append.
// Build one with Any, NoStream, StreamExists or Exact.
type ExpectedRevision struct {
	kind     expectedKind
	revision uint64
}

type expectedKind uint8

const (
	expectAny expectedKind = iota
	expectNoStream
	expectStreamExists
	expectExact
)

var (
	// Any appends whatever the stream's state.
	Any = ExpectedRevision{kind: expectAny}
	// NoStream appends only when the stream has no events yet.
	NoStream = ExpectedRevision{kind: expectNoStream}
	// StreamExists appends only when the stream has at least one event.
	StreamExists = ExpectedRevision{kind: expectStreamExists}
)

// Exact appends only when the stream's last event has this revision.
func Exact(revision uint64) ExpectedRevision {
	return ExpectedRevision{kind: expectExact, revision: revision}
}

// Revision returns the exact revision expected and whether one is.
func (e ExpectedRevision) Revision() (uint64, bool) {
	return e.revision, e.kind == expectExact
}

// IsAny, IsNoStream and IsStreamExists report the kind of precondition.
func (e ExpectedRevision) IsAny() bool          { return e.kind == expectAny }
func (e ExpectedRevision) IsNoStream() bool     { return e.kind == expectNoStream }
func (e ExpectedRevision) IsStreamExists() bool { return e.kind == expectStreamExists }

// Check tells whether a stream whose last revision is current (exists false
// for a stream with no events) satisfies the precondition. Backends that keep
// their own stream table call it under their write lock.
func (e ExpectedRevision) Check(stream string, current uint64, exists bool) error {
	ok := false
	switch e.kind {
	case expectAny:
		ok = true
	case expectNoStream:
		ok = !exists
	case expectStreamExists:
		ok = exists
	case expectExact:
		ok = exists && current == e.revision
	}
	if ok {
		return nil
	}
	return &ConflictError{Stream: stream, Expected: e, Actual: current, StreamExists: exists}
}

func (e ExpectedRevision) String() string {
	switch e.kind {
	case expectNoStream:
		return "no stream"
	case expectStreamExists:
		return "stream exists"
	case expectExact:
		return fmt.Sprintf("revision %d", e.revision)
	default:
		return "any"
	}
}
