package eventstore

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error a backend returns for these conditions matches
// one of them with errors.Is; the typed errors below carry the details.
var (
	// ErrConflict: the expected revision did not hold.
	ErrConflict = errors.New("eventstore: wrong expected revision")
	// ErrStreamNotFound: the stream has no events.
	ErrStreamNotFound = errors.New("eventstore: stream not found")
	// ErrUnknownEventType: an event type the registry does not know.
	ErrUnknownEventType = errors.New("eventstore: unknown event type")
	// ErrInvalid: the append was refused before anything was written.
	ErrInvalid = errors.New("eventstore: invalid append")
	// ErrIDReuse: an event ID already belongs to another event, so the
	// append is neither new nor a faithful retry.
	ErrIDReuse = errors.New("eventstore: event id reused")
	// ErrClosed: the store has been closed.
	ErrClosed = errors.New("eventstore: closed")
)

// ConflictError is returned when the expected revision does not hold.
type ConflictError struct {
	Stream       string
	Expected     ExpectedRevision
	Actual       uint64 // the stream's last revision, when StreamExists
	StreamExists bool
}

func (e *ConflictError) Error() string {
	actual := "no stream"
	if e.StreamExists {
		actual = fmt.Sprintf("revision %d", e.Actual)
	}
	return fmt.Sprintf("eventstore: stream %q: expected %s, found %s", e.Stream, e.Expected, actual)
}

func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// StreamNotFoundError names the stream that has no events.
type StreamNotFoundError struct{ Stream string }

func (e *StreamNotFoundError) Error() string {
	return fmt.Sprintf("eventstore: stream %q not found", e.Stream)
}

func (e *StreamNotFoundError) Is(target error) bool { return target == ErrStreamNotFound }

// UnknownEventTypeError names a type (and schema version) nobody registered.
type UnknownEventTypeError struct {
	Type          string
	SchemaVersion int
}

func (e *UnknownEventTypeError) Error() string {
	return fmt.Sprintf("eventstore: unknown event type %q (schema version %d)", e.Type, e.SchemaVersion)
}

func (e *UnknownEventTypeError) Is(target error) bool { return target == ErrUnknownEventType }

// InvalidError lists every problem found in an append, all at once.
type InvalidError struct {
	Stream   string
	Problems []string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("eventstore: invalid append to %q: %s", e.Stream, strings.Join(e.Problems, "; "))
}

func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// IDReuseError names an event ID that is already taken by a different event.
type IDReuseError struct {
	EventID string
	Reason  string
}

func (e *IDReuseError) Error() string {
	return fmt.Sprintf("eventstore: event id %s reused: %s", e.EventID, e.Reason)
}

func (e *IDReuseError) Is(target error) bool { return target == ErrIDReuse }
