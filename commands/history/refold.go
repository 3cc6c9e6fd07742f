package history

import (
	"context"
	"errors"
	"fmt"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/eventstore"
)

// Kinds of a re-fold Problem.
const (
	// ProblemUnknownStream: the stream's name matches no aggregate kind
	// (reported once, at the stream's first event).
	ProblemUnknownStream = "unknown-stream"
	// ProblemUnknownType: the registry knows no such type and schema version.
	ProblemUnknownType = "unknown-type"
	// ProblemUndecodable: the payload does not decode (or upcast) as its type.
	ProblemUndecodable = "undecodable"
	// ProblemRefused: the stream's aggregate does not apply this type of
	// event (its Apply would ignore it), or its Apply panicked.
	ProblemRefused = "refused"
	// ProblemRevision: the stream's revisions do not run 0, 1, 2 … in
	// global order (a gap, a repeat or a swap).
	ProblemRevision = "revision"
)

// Problem is one stored event that does not fold into its aggregate.
type Problem struct {
	Position eventstore.Position `json:"position"`
	Stream   string              `json:"stream"`
	Revision uint64              `json:"revision"`
	Type     string              `json:"type"`
	Kind     string              `json:"kind"`
	Detail   string              `json:"detail"`
}

func (p Problem) String() string {
	return fmt.Sprintf("position %d (%s@%d, %s): %s: %s", p.Position, p.Stream, p.Revision, p.Type, p.Kind, p.Detail)
}

// Refolded is what a re-fold of the whole log found.
type Refolded struct {
	Head     eventstore.Position // the log was folded up to here
	Events   uint64
	Streams  int
	Problems []Problem
}

// folding is one stream's aggregate part way through the log; agg is nil
// for a stream of no known kind.
type folding struct {
	kind kind
	agg  commands.Aggregate
	next uint64 // the revision the next event must have
}

// Refold reads the whole log in global order, up to the head when it
// starts, and folds every stream through its own aggregate as the write
// side does when it loads one, checking on the way what a load takes on
// trust: that each stream's revisions follow each other, that every event
// decodes, and that its aggregate applies that type. progress, when not
// nil, is called after each page read.
//
// It holds one aggregate per stream while it reads: memory grows with the
// number of streams, not of events.
func (r *Reader) Refold(ctx context.Context, progress func(events uint64, at, head eventstore.Position)) (Refolded, error) {
	head, err := r.store.Head(ctx)
	if err != nil {
		return Refolded{}, fmt.Errorf("history: refold: %w", err)
	}
	out := Refolded{Head: head}
	streams := map[string]*folding{}
	for after := eventstore.Start; after < head; {
		page, err := r.store.ReadAll(ctx, after, eventstore.DefaultPage)
		if err != nil {
			return out, fmt.Errorf("history: refold after %d: %w", after, err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			if e.Position > head {
				break
			}
			out.Events++
			f := streams[e.StreamID]
			if f == nil {
				f = &folding{}
				f.kind, f.agg, err = r.kindOf(e.StreamID)
				if err != nil {
					f.agg = nil
					out.Problems = append(out.Problems, problem(e, ProblemUnknownStream, err.Error()))
				}
				streams[e.StreamID] = f
			}
			if p, ok := r.step(f, e); !ok {
				out.Problems = append(out.Problems, p)
			}
		}
		after = page[len(page)-1].Position
		if progress != nil {
			progress(out.Events, min(after, head), head)
		}
	}
	out.Streams = len(streams)
	return out, nil
}

// step folds one event into its stream; false with the problem when it
// does not fold.
func (r *Reader) step(f *folding, e eventstore.RecordedEvent) (p Problem, ok bool) {
	if f.agg == nil {
		return Problem{}, true // its stream was reported at its first event
	}
	if e.StreamRevision != f.next {
		detail := fmt.Sprintf("revision %d where %d was due", e.StreamRevision, f.next)
		f.next = e.StreamRevision + 1
		return problem(e, ProblemRevision, detail), false
	}
	f.next++
	de, err := r.decode(e)
	var unknown *eventstore.UnknownEventTypeError
	switch {
	case errors.As(err, &unknown):
		return problem(e, ProblemUnknownType, err.Error()), false
	case err != nil:
		return problem(e, ProblemUndecodable, err.Error()), false
	case !f.kind.types[e.Type]:
		return problem(e, ProblemRefused, fmt.Sprintf("%s streams do not apply %s events", f.kind.name, e.Type)), false
	}
	defer func() {
		if v := recover(); v != nil {
			p, ok = problem(e, ProblemRefused, fmt.Sprintf("the %s's Apply panicked: %v", f.kind.name, v)), false
		}
	}()
	f.agg.Apply(de)
	return Problem{}, true
}

func problem(e eventstore.RecordedEvent, kind, detail string) Problem {
	return Problem{Position: e.Position, Stream: e.StreamID, Revision: e.StreamRevision, Type: e.Type, Kind: kind, Detail: detail}
}
