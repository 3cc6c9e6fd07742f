package eventstore

import (
	"context"
	"math"
)

// Store is the event-store port. Every backend implements it with the same
// semantics, proven by the acceptance suite in eventstoretest.
type Store interface {
	// Append writes events to the end of a stream, atomically: all or none.
	// The expected revision is checked first; a mismatch is a *ConflictError.
	// Appending event IDs that are already stored, to the same stream in the
	// same order, is a retry: it returns the first append's result and
	// writes nothing. Invalid input is an *InvalidError and writes nothing.
	Append(ctx context.Context, stream string, expected ExpectedRevision, events []EventData) (AppendResult, error)

	// ReadStream reads one stream's events from a revision, forwards or
	// backwards. A stream with no events is a *StreamNotFoundError.
	ReadStream(ctx context.Context, stream string, opts ReadStreamOptions) ([]RecordedEvent, error)

	// ReadAll reads up to limit events after a position, in global order;
	// a limit of 0 or less reads one page of DefaultPage events, never the
	// whole log at once. It never returns an event while an earlier one may
	// still appear.
	ReadAll(ctx context.Context, after Position, limit int) ([]RecordedEvent, error)

	// Subscribe hands every event after a position to handle, in global
	// order and in batches: first the history, then new events as they are
	// committed. It returns ctx.Err() when ctx ends, handle's error, or the
	// error of a failed read (callers that must go on resubscribe from the
	// last position they handled).
	Subscribe(ctx context.Context, after Position, handle func([]RecordedEvent) error) error

	// Head is the position of the last event a reader may see now.
	Head(ctx context.Context) (Position, error)

	// Close releases the store; appends in flight finish or fail first.
	// Closing twice is harmless; every other call after Close is ErrClosed.
	Close() error
}

// DefaultPage is how many events ReadAll returns when asked for 0 or fewer.
const DefaultPage = 512

// PageLimit maps a ReadAll limit to the number of events to read.
func PageLimit(limit int) int {
	if limit <= 0 {
		return DefaultPage
	}
	return limit
}

// Direction of a stream read.
type Direction uint8

const (
	Forwards Direction = iota
	Backwards
)

// End, as ReadStreamOptions.From, starts a backwards read at the last event.
const End uint64 = math.MaxUint64

// ReadStreamOptions say where a stream read starts, which way it goes and how
// many events it returns at most (0: all of them).
type ReadStreamOptions struct {
	Direction Direction
	From      uint64 // first revision to return (inclusive); End for the last
	Limit     int
}
