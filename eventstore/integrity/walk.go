package integrity

import (
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/souq-market/souq/eventstore"
)

// Row is one stored event with its stored hashes, as a walk reads it.
type Row struct {
	Event
	Position uint64
	Revision uint64
	Hash     []byte // stored; nil or malformed counts as edited
	Global   []byte
}

// maxPending bounds the failed events kept to recognise two whose data were
// exchanged, and maxAside the events kept because their neighbours in their
// stream are out of place; past them, problems are still reported, with
// less precision.
const (
	maxPending = 64
	maxAside   = 4096
)

// Walker checks a log fed to it in position order. Its memory is one entry
// per stream plus the checkpoints, and beyond that grows only with the
// problems found, not with the events.
type Walker struct {
	key         []byte
	checkpoints map[uint64]Checkpoint
	streams     map[string]*streamState
	problems    []eventstore.IntegrityProblem
	pending     []pendingEdit

	// Out-of-place events: hashes kept until their successor in the stream
	// is seen, events waiting for their predecessor, revisions skipped.
	aside   map[streamRevision]Hash
	waiting map[streamRevision]waitingRow // keyed by the predecessor
	gaps    []revisionGap

	last        uint64 // position of the last row
	lastGlobal  Hash   // its stored global hash
	prevMoved   bool   // the last row's global link failed
	beforeMoved Hash   // stored global of the last row whose link held
	lost        []lostPositions

	lastStream   string // stream and revision of the last row
	lastRevision uint64
	inOrder      bool        // the row being added is the next revision of its stream and matches its hash
	suspect      *brokenLink // a link that failed at the last row, blamed on the row before once the next one links
}

// brokenLink is a row whose global hash does not chain to the row before,
// though the row sits in its stream's order and matches its own hash. If
// the row after it chains to it, the row itself is where it was written,
// and the likely change is the row before rewritten with its hashes.
type brokenLink struct {
	problem      int // index in problems
	prevPosition uint64
	prevStream   string
	prevRevision uint64
}

type streamState struct {
	highest uint64 // highest revision seen
	hash    Hash   // its stored hash
}

type streamRevision struct {
	stream   string
	revision uint64
}

type waitingRow struct {
	row    Row
	stored Hash
}

// revisionGap is revisions of a stream skipped at a position and not seen
// since.
type revisionGap struct {
	stream   string
	from, to uint64
	position uint64
}

// lostPositions is a gap in the positions, which explains as many skipped
// revisions.
type lostPositions struct {
	count   uint64
	problem int
}

type pendingEdit struct {
	row     Row
	prev    Hash
	stored  Hash
	problem int // index in problems
}

// NewWalker starts a walk that checks the checkpoints' signatures with key.
func NewWalker(key []byte, checkpoints []Checkpoint) *Walker {
	w := &Walker{
		key: key, checkpoints: make(map[uint64]Checkpoint, len(checkpoints)), streams: map[string]*streamState{},
		aside: map[streamRevision]Hash{}, waiting: map[streamRevision]waitingRow{},
	}
	for _, c := range checkpoints {
		w.checkpoints[c.Position] = c
	}
	w.problems = chainProblems(key, checkpoints)
	return w
}

// Add checks the next row of the log.
func (w *Walker) Add(r Row) {
	gap := false
	switch {
	case r.Position > w.last+1:
		gap = true
		w.report(w.last+1, "", 0, eventstore.IntegrityMissing,
			fmt.Sprintf("expected position %d next, found %d: missing %s", w.last+1, r.Position, span("position", w.last+1, r.Position-1)))
		w.lost = append(w.lost, lostPositions{count: r.Position - w.last - 1, problem: len(w.problems) - 1})
	case r.Position <= w.last:
		w.report(r.Position, r.Stream, r.Revision, eventstore.IntegrityReordered,
			fmt.Sprintf("position %d comes after position %d", r.Position, w.last))
	}

	before := len(w.problems)
	stored, okHash := FromBytes(r.Hash)
	global, okGlobal := FromBytes(r.Global)
	if !okHash || !okGlobal {
		w.report(r.Position, r.Stream, r.Revision, eventstore.IntegrityEdited, "the event's stored hashes are missing or malformed")
	}
	w.stream(r, stored)
	reported := len(w.problems) > before // about this very row: one problem is enough

	// Every event's global hash binds its position: an event moved to
	// another position fails here, whatever its stream says.
	linked := Global(w.lastGlobal, r.Position, stored) == global
	if b := w.suspect; b != nil {
		w.suspect = nil
		if linked && !gap {
			w.blamePrevious(b)
		}
	}
	moved, blamed := !linked && !gap && okGlobal, false
	if moved && !reported {
		// The event after a moved one fails its link too, through no
		// fault of its own: blame it only when it chains to the place
		// before, i.e. it moved too.
		belongsBefore := w.prevMoved && r.Position > 1 && Global(w.beforeMoved, r.Position-1, stored) == global
		switch {
		case belongsBefore:
			blamed = true
			w.report(r.Position, r.Stream, r.Revision, eventstore.IntegrityReordered,
				fmt.Sprintf("the event was chained at position %d, not %d: moved", r.Position-1, r.Position))
		case !w.prevMoved:
			blamed = true
			w.report(r.Position, r.Stream, r.Revision, eventstore.IntegrityReordered,
				fmt.Sprintf("the event's global hash %s does not chain to position %d (expected %s): moved from elsewhere, or its hashes rewritten", short(global[:]), r.Position, short(Global(w.lastGlobal, r.Position, stored).Bytes())))
			if w.inOrder && r.Position > 1 {
				w.suspect = &brokenLink{problem: len(w.problems) - 1, prevPosition: w.last, prevStream: w.lastStream, prevRevision: w.lastRevision}
			}
		}
	} else {
		w.beforeMoved = global
	}
	w.prevMoved = moved
	w.last, w.lastGlobal = r.Position, global
	w.lastStream, w.lastRevision = r.Stream, r.Revision
	w.checkpoint(r, global, blamed)
}

// stream checks the event against its stream: revisions in sequence, the
// content against the hash chained to the previous revision's. Events out
// of place are put aside until their neighbours turn up, so a moved event
// is checked all the same and blamed once (by its global link), not with
// every revision after it.
func (w *Walker) stream(r Row, stored Hash) {
	w.inOrder = false
	key := streamRevision{r.Stream, r.Revision}
	st, seen := w.streams[r.Stream]

	var prev Hash
	prevKnown := r.Revision == 0
	if !prevKnown {
		if seen && st.highest == r.Revision-1 {
			prev, prevKnown = st.hash, true
		} else if h, ok := w.aside[streamRevision{r.Stream, r.Revision - 1}]; ok {
			prev, prevKnown = h, true
			delete(w.aside, streamRevision{r.Stream, r.Revision - 1})
		}
	}

	switch {
	case !seen || r.Revision > st.highest:
		from := uint64(0)
		if seen {
			from = st.highest + 1
		}
		if r.Revision > from {
			w.gaps = append(w.gaps, revisionGap{stream: r.Stream, from: from, to: r.Revision - 1, position: r.Position})
			if seen {
				w.putAside(streamRevision{r.Stream, st.highest}, st.hash) // its successor is still to come
			}
		}
		w.streams[r.Stream] = &streamState{highest: r.Revision, hash: stored}
	case w.fillGap(r.Stream, r.Revision):
		if w.inGap(r.Stream, r.Revision+1) {
			w.putAside(key, stored)
		}
	default:
		w.report(r.Position, r.Stream, r.Revision, eventstore.IntegrityReordered,
			fmt.Sprintf("stream %q has revision %d a second time", r.Stream, r.Revision))
		return
	}

	if prevKnown {
		w.inOrder = w.checkContent(r, prev, stored) && (!seen && r.Revision == 0 || seen && r.Revision == st.highest+1)
	} else if len(w.waiting) < maxAside {
		r.Data, r.Metadata = clone(r.Data), clone(r.Metadata)
		w.waiting[streamRevision{r.Stream, r.Revision - 1}] = waitingRow{row: r, stored: stored}
	}
	if next, ok := w.waiting[key]; ok {
		delete(w.waiting, key)
		delete(w.aside, key)
		w.checkContent(next.row, stored, next.stored)
	}
}

// checkContent says whether the event matches its stored hash, and
// reports it when not.
func (w *Walker) checkContent(r Row, prev, stored Hash) bool {
	if Link(prev, r.Revision, Digest(r.Event)) != stored {
		w.contentFails(r, prev, stored)
		return false
	}
	return true
}

func (w *Walker) putAside(key streamRevision, h Hash) {
	if len(w.aside) < maxAside {
		w.aside[key] = h
	}
}

func (w *Walker) inGap(stream string, revision uint64) bool {
	for _, g := range w.gaps {
		if g.stream == stream && g.from <= revision && revision <= g.to {
			return true
		}
	}
	return false
}

// fillGap takes a revision out of the gaps it was skipped in, and says
// whether it was.
func (w *Walker) fillGap(stream string, revision uint64) bool {
	for i, g := range w.gaps {
		if g.stream != stream || revision < g.from || revision > g.to {
			continue
		}
		switch {
		case g.from == g.to:
			w.gaps = append(w.gaps[:i], w.gaps[i+1:]...)
		case revision == g.from:
			w.gaps[i].from++
		case revision == g.to:
			w.gaps[i].to--
		default:
			rest := g
			rest.from = revision + 1
			w.gaps[i].to = revision - 1
			w.gaps = append(w.gaps, rest)
		}
		return true
	}
	return false
}

// checkpoint checks the checkpoint at the row's position, if any. The
// global hash of a row blamed for having moved is not compared: it is the
// hash of the place it came from, and the move is reported already.
func (w *Walker) checkpoint(r Row, global Hash, moved bool) {
	position, stream, revision := r.Position, r.Stream, r.Revision
	c, ok := w.checkpoints[position]
	if !ok {
		return
	}
	delete(w.checkpoints, position)
	signed, _ := FromBytes(c.Global)
	switch {
	case !c.Valid(w.key):
		w.report(position, stream, revision, eventstore.IntegrityCheckpoint,
			fmt.Sprintf("the checkpoint at position %d has a signature that does not match its global hash (forged, or signed with another key)", position))
	case signed != global && !moved:
		w.report(position, stream, revision, eventstore.IntegrityCheckpoint,
			fmt.Sprintf("the checkpoint at position %d signed global hash %s, the log has %s: events up to here were rewritten with their hashes", position, short(signed[:]), short(global[:])))
	}
}

// blamePrevious turns the report of a broken link into one about the row
// before it: the row after chains to the stored global hash, so the row
// at fault is where it was written, and the global hash it does not chain
// to is the previous row's, rewritten (with its content, as an intruder
// who rewrites an event with its own hashes leaves it).
func (w *Walker) blamePrevious(b *brokenLink) {
	p := &w.problems[b.problem]
	at := p.Position
	p.Position, p.Stream, p.Revision, p.Kind = eventstore.Position(b.prevPosition), b.prevStream, b.prevRevision, eventstore.IntegrityEdited
	p.Detail = fmt.Sprintf("position %d, in its place in its stream and the log, does not chain to this event's global hash: this event was rewritten with its hashes (or position %d's hash was rewritten alone)", at, at)
}

// contentFails reports an event whose content does not match its hash: an
// edit, unless it and an earlier failed event hold each other's data.
func (w *Walker) contentFails(r Row, prev, stored Hash) {
	for i := len(w.pending) - 1; i >= 0; i-- {
		p := w.pending[i]
		mine, theirs := r.Event, p.row.Event
		mine.Data, theirs.Data = p.row.Data, r.Data
		if Link(p.prev, p.row.Revision, Digest(theirs)) == p.stored && Link(prev, r.Revision, Digest(mine)) == stored {
			w.problems[p.problem].Kind = eventstore.IntegrityReordered
			w.problems[p.problem].Detail = fmt.Sprintf("the event holds the data of position %d: the two were exchanged", r.Position)
			w.report(r.Position, r.Stream, r.Revision, eventstore.IntegrityReordered,
				fmt.Sprintf("the event holds the data of position %d: the two were exchanged", p.row.Position))
			w.pending = append(w.pending[:i], w.pending[i+1:]...)
			return
		}
	}
	w.report(r.Position, r.Stream, r.Revision, eventstore.IntegrityEdited,
		fmt.Sprintf("the stored hash is %s but the event's content hashes to %s: changed after it was written", short(stored[:]), short(Link(prev, r.Revision, Digest(r.Event)).Bytes())))
	if len(w.pending) < maxPending {
		r.Data, r.Metadata = clone(r.Data), clone(r.Metadata)
		w.pending = append(w.pending, pendingEdit{row: r, prev: prev, stored: stored, problem: len(w.problems) - 1})
	}
}

// Finish ends the walk and returns the problems found, by position.
// Checkpoints past the last row mean events were cut off the end.
func (w *Walker) Finish() []eventstore.IntegrityProblem {
	if b := w.suspect; b != nil {
		w.suspect = nil
		w.blamePrevious(b)
	}
	var furthest uint64 // the furthest validly signed checkpoint past the end
	for _, c := range w.checkpoints {
		if !c.Valid(w.key) {
			w.report(c.Position, "", 0, eventstore.IntegrityCheckpoint,
				fmt.Sprintf("the checkpoint at position %d, past the end of the log (%d), has a signature that does not match", c.Position, w.last))
			continue
		}
		furthest = max(furthest, c.Position)
	}
	if furthest > 0 {
		w.report(w.last+1, "", 0, eventstore.IntegrityMissing,
			fmt.Sprintf("a checkpoint signed position %d but the log ends at %d: missing %s", furthest, w.last, span("position", w.last+1, furthest)))
	}
	w.checkpoints = nil
	w.reportGaps()
	sort.SliceStable(w.problems, func(i, j int) bool { return w.problems[i].Position < w.problems[j].Position })
	return w.problems
}

// reportGaps reports the revisions skipped and never seen. A gap in the
// positions before it explains as many: the event deleted there was one of
// them, and its position is the one to name.
func (w *Walker) reportGaps() {
	sort.SliceStable(w.gaps, func(i, j int) bool { return w.gaps[i].position < w.gaps[j].position })
	for _, g := range w.gaps {
		n := g.to - g.from + 1
		explained := false
		for i := range w.lost {
			l := &w.lost[i]
			if l.count >= n && uint64(w.problems[l.problem].Position) <= g.position {
				l.count -= n
				w.problems[l.problem].Detail += fmt.Sprintf("; stream %q lacks %s accordingly", g.stream, span("revision", g.from, g.to))
				explained = true
				break
			}
		}
		if !explained {
			w.report(g.position, g.stream, g.to+1, eventstore.IntegrityMissing,
				fmt.Sprintf("stream %q reaches revision %d here without %s", g.stream, g.to+1, span("revision", g.from, g.to)))
		}
	}
	w.gaps = nil
}

func (w *Walker) report(position uint64, stream string, revision uint64, kind, detail string) {
	w.problems = append(w.problems, eventstore.IntegrityProblem{
		Position: eventstore.Position(position), Stream: stream, Revision: revision, Kind: kind, Detail: detail,
	})
}

// Bytes returns the hash as a slice.
func (h Hash) Bytes() []byte { return h[:] }

func short(b []byte) string { return hex.EncodeToString(b[:min(len(b), 8)]) }

func span(what string, from, to uint64) string {
	if from == to {
		return fmt.Sprintf("%s %d", what, from)
	}
	return fmt.Sprintf("%ss %d to %d", what, from, to)
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
