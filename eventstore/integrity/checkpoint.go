package integrity

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/souq-market/souq/eventstore"
)

// Checkpoint is one stored signed checkpoint.
type Checkpoint struct {
	// Seq numbers the chained checkpoints 1, 2, … in signing order; 0 is a
	// checkpoint signed before they were chained (Sign), which binds only
	// its position and global hash.
	Seq       uint64
	Position  uint64
	Global    []byte
	Signature []byte
	// Previous is the signature of the checkpoint before this one, as it
	// was signed (nil for the first), so each checkpoint's own signature
	// can be checked even when the one before it was deleted.
	Previous []byte
}

// Valid says whether the checkpoint's signature matches its fields.
func (c Checkpoint) Valid(key []byte) bool {
	global, ok := FromBytes(c.Global)
	switch {
	case !ok:
		return false
	case c.Seq == 0:
		return ValidSignature(key, c.Position, global, c.Signature)
	default:
		return bytes.Equal(c.Signature, SignChained(key, c.Seq, c.Position, global, c.Previous))
	}
}

// Next is the checkpoint a writer signs at position after last, the
// newest stored checkpoint (nil when there is none).
func Next(key []byte, last *Checkpoint, position uint64, global Hash) Checkpoint {
	c := Checkpoint{Seq: 1, Position: position, Global: global.Bytes()}
	if last != nil {
		c.Seq, c.Previous = last.Seq+1, last.Signature
	}
	c.Signature = SignChained(key, c.Seq, c.Position, global, c.Previous)
	return c
}

// chainProblems checks the order of the checkpoints: in position order,
// each chained one must carry the next sequence number and the signature of
// the one before it. A checkpoint deleted in the middle is named by the
// sequence numbers missing and the positions they lie between; the newest
// ones deleted leave no trace here (only an outside copy of the last
// sequence number would show it). Checkpoints whose own signature fails are
// reported by the walk and left out here, so a forgery is one problem.
func chainProblems(key []byte, checkpoints []Checkpoint) []eventstore.IntegrityProblem {
	sorted := append([]Checkpoint(nil), checkpoints...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Position < sorted[j].Position })
	var out []eventstore.IntegrityProblem
	report := func(c Checkpoint, detail string) {
		out = append(out, eventstore.IntegrityProblem{Position: eventstore.Position(c.Position), Kind: eventstore.IntegrityCheckpoint, Detail: detail})
	}
	var prev *Checkpoint
	prevValid := true
	for i := range sorted {
		c := sorted[i]
		valid := c.Valid(key)
		switch {
		case !valid || !prevValid:
			// Reported by the walk; what it chains to cannot be told.
		case c.Seq == 0 && prev != nil && prev.Seq > 0:
			report(c, fmt.Sprintf("the checkpoint at position %d is of the unchained kind but comes after chained checkpoint %d: out of order", c.Position, prev.Seq))
		case c.Seq == 0:
		case prev == nil && c.Seq > 1:
			report(c, fmt.Sprintf("the first checkpoint, at position %d, is number %d: %s before it deleted", c.Position, c.Seq, span("checkpoint", 1, c.Seq-1)))
		case prev == nil && len(c.Previous) > 0:
			report(c, fmt.Sprintf("checkpoint %d, at position %d, follows a checkpoint that is gone: deleted", c.Seq, c.Position))
		case prev != nil && c.Seq <= prev.Seq:
			report(c, fmt.Sprintf("checkpoint %d, at position %d, comes after checkpoint %d at position %d: reordered", c.Seq, c.Position, prev.Seq, prev.Position))
		case prev != nil && c.Seq > prev.Seq+1:
			report(c, fmt.Sprintf("%s, signed between positions %d and %d, missing: deleted", span("checkpoint", prev.Seq+1, c.Seq-1), prev.Position, c.Position))
		case prev != nil && !bytes.Equal(c.Previous, prev.Signature):
			report(c, fmt.Sprintf("checkpoint %d, at position %d, was not signed after the checkpoint at position %d: one between them replaced, or these reordered", c.Seq, c.Position, prev.Position))
		}
		prev, prevValid = &sorted[i], valid
	}
	return out
}
