package integrity

import "fmt"

// Since is what a writer checks before it signs a checkpoint: the events
// after the newest checkpoint, each with the stored hash of the event
// before it in its stream (read from the events, wherever it is).
type Since struct {
	Key  []byte
	Last *Checkpoint // the newest stored checkpoint; nil: none, check from position 1
	// Wrote is the last event this writer committed itself, as it
	// computed it (zero Position: none yet). A rewrite that recomputed
	// every hash after an event is consistent data and only a memory like
	// this one can tell it from the original.
	Wrote Mark
}

// Mark is a position and the global hash it had.
type Mark struct {
	Position uint64
	Global   Hash
}

// SinceRow is an event after the newest checkpoint, as Since reads it.
type SinceRow struct {
	Row
	PreviousHash []byte // the stored hash of the stream's revision before; nil for revision 0 or when missing
}

// Verdict is what Check found.
type Verdict struct {
	Global  Hash   // the global hash at the position checked up to: the one to sign
	Problem string // why nothing may be signed; "" when the events verify
	// Rewritten: the events chain, but the writer's own last event is
	// not what it wrote — everything after some event was recomputed.
	// The writer then signs Wrote, what it did write, so the rewrite
	// fails that checkpoint in every later verification.
	Rewritten bool
}

// Check walks the events after the newest checkpoint up to position to, in
// position order: each one's content against its hash, its hash against
// its global hash chained from the checkpoint's signed one, no position
// missing, and the writer's own last event unchanged. It stops at the
// first failure: the full walk of souq verify names them all.
func (s Since) Check(to uint64, next func() (SinceRow, bool, error)) (Verdict, error) {
	var (
		position uint64
		global   Hash
	)
	fail := func(format string, args ...any) (Verdict, error) {
		return Verdict{Problem: fmt.Sprintf(format, args...)}, nil
	}
	if s.Last != nil {
		if !s.Last.Valid(s.Key) {
			return fail("the checkpoint at position %d has a signature that does not match", s.Last.Position)
		}
		position = s.Last.Position
		global, _ = FromBytes(s.Last.Global)
	}
	for {
		r, ok, err := next()
		switch {
		case err != nil:
			return Verdict{}, err
		case !ok && position != to:
			return fail("the log ends at position %d, not %d", position, to)
		case !ok:
			return Verdict{Global: global}, nil
		}
		if r.Position != position+1 {
			return fail("position %d follows position %d", r.Position, position)
		}
		position = r.Position
		var prev Hash
		if r.Revision > 0 {
			h, ok := FromBytes(r.PreviousHash)
			if !ok {
				return fail("position %d: revision %d of stream %q has no stored hash to chain to", position, r.Revision-1, r.Stream)
			}
			prev = h
		}
		stored, okHash := FromBytes(r.Hash)
		storedGlobal, okGlobal := FromBytes(r.Global)
		switch {
		case !okHash || !okGlobal:
			return fail("position %d: the stored hashes are missing or malformed", position)
		case Link(prev, r.Revision, Digest(r.Event)) != stored:
			return fail("position %d: the content does not match its stored hash", position)
		case Global(global, position, stored) != storedGlobal:
			return fail("position %d: the global hash does not chain from the checkpoint's", position)
		case position == s.Wrote.Position && storedGlobal != s.Wrote.Global:
			return Verdict{Rewritten: true, Problem: fmt.Sprintf("position %d: the global hash is not the one this writer wrote: events up to it were rewritten with their hashes", position)}, nil
		}
		global = storedGlobal
	}
}
