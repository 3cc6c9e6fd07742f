package integrity

import (
	"context"

	"github.com/souq-market/souq/eventstore"
)

// progressEvery is how many events pass between progress calls (and
// between checks of the context).
const progressEvery = 4096

// Verify walks a whole log: next returns the rows in position order, ok
// false after the last. It is the loop both SQL stores run in
// VerifyIntegrity, around one read snapshot of theirs.
func Verify(ctx context.Context, key []byte, checkpoints []Checkpoint, head eventstore.Position,
	progress func(done, head eventstore.Position), next func() (row Row, ok bool, err error)) ([]eventstore.IntegrityProblem, error) {
	w := NewWalker(key, checkpoints)
	n := 0
	for {
		r, ok, err := next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		w.Add(r)
		if n++; n%progressEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if progress != nil {
				progress(eventstore.Position(r.Position), head)
			}
		}
	}
	if progress != nil {
		progress(eventstore.Position(w.last), head)
	}
	return w.Finish(), nil
}

// Checkpointer decides when a writer signs a checkpoint.
type Checkpointer struct {
	Key   []byte
	Every uint64 // events between checkpoints; 0: only on close
}

// Due says whether a commit that moved the head from before to after
// crossed a multiple of Every, and so must store a checkpoint at after.
func (c Checkpointer) Due(before, after uint64) bool {
	return c.Key != nil && c.Every > 0 && after/c.Every > before/c.Every
}
