package eventstore

import "context"

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
	if p.Stream == "" {
		return "position " + itoa(uint64(p.Position)) + ": " + p.Kind + ": " + p.Detail
	}
	return "position " + itoa(uint64(p.Position)) + " (" + p.Stream + "@" + itoa(p.Revision) + "): " + p.Kind + ": " + p.Detail
}

// IntegrityVerifier is implemented by stores that keep hash chains and signed checkpoints.
type IntegrityVerifier interface {
	// VerifyIntegrity walks the whole log in global order; progress (may be nil) is called
	// every few thousand events with the position reached and the head.
	VerifyIntegrity(ctx context.Context, progress func(done, head Position)) ([]IntegrityProblem, error)
}

func itoa(n uint64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
