package eventstore

import (
	"context"
	"strconv"
)

// Kinds of IntegrityProblem.
const (
	// IntegrityEdited: an event's stored hash differs from the hash of its
	// stored content, so its content (or its hash) was changed.
	IntegrityEdited = "edited"
	// IntegrityMissing: a global position or a stream revision is skipped.
	IntegrityMissing = "missing"
	// IntegrityReordered: events are out of order, or an event's hash does
	// not chain to the event before it.
	IntegrityReordered = "reordered"
	// IntegrityCheckpoint: a signed checkpoint whose signature, or whose
	// global hash, does not match the log.
	IntegrityCheckpoint = "checkpoint"
)

// IntegrityProblem is one place where the stored log does not match its own hashes.
type IntegrityProblem struct {
	Position Position // the global position at fault (the first one that fails)
	Stream   string
	Revision uint64
	Kind     string // "edited", "missing", "reordered", "checkpoint" (a signature or root that fails)
	Detail   string // human sentence naming what was expected and found
}

// String renders the problem for a report line.
func (p IntegrityProblem) String() string {
	at := "position " + strconv.FormatUint(uint64(p.Position), 10)
	if p.Stream != "" {
		at += " (" + strconv.Quote(p.Stream) + " revision " + strconv.FormatUint(p.Revision, 10) + ")"
	}
	return at + ": " + p.Kind + ": " + p.Detail
}

// IntegrityVerifier is implemented by stores that keep hash chains and signed checkpoints.
type IntegrityVerifier interface {
	// VerifyIntegrity walks the whole log in global order; progress (may be nil) is called
	// every few thousand events with the position reached and the head.
	VerifyIntegrity(ctx context.Context, progress func(done, head Position)) ([]IntegrityProblem, error)
}
