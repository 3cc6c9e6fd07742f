package memindex

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"

	"github.com/souq-market/souq/projections/scent"
)

// Index is the in-process exact index. It is safe for concurrent use.
type Index struct {
	dim int

	mu    sync.RWMutex
	byID  map[string]*entry // live points and tombstones
	slots []*entry          // by slot; nil for a retired slot
	lists [][]posting       // by dimension
	norms []float32         // by slot
	// The vectors, sparse (a scent vector has some 20 values of 253, so
	// 100,000 products take 6 MB rather than 100), one after another in
	// slot order: slot s has dims[off[s]:off[s+1]] and their vals. A
	// candidate walk in slot order reads them sequentially.
	off  []uint32
	dims []uint16
	vals []float32
	dead int // retired slots still in lists
	// tops lists the slots by normalised top note: a query that keeps
	// only products sharing a top note (similar-products) scores just
	// those, instead of walking lists that reach nearly every point.
	tops   map[string][]int32
	state  map[string][]byte
	scores sync.Pool // *scratch of len(slots), zeroed after use
}

type entry struct {
	point scent.Point // without its Vector: see Index.dims and vals
	slot  int         // -1 for a tombstone
}

// vector rebuilds the dense vector.
func (ix *Index) vector(e *entry) scent.Vector {
	v := make(scent.Vector, ix.dim)
	from, to := ix.off[e.slot], ix.off[e.slot+1]
	for i, d := range ix.dims[from:to] {
		v[d] = ix.vals[from+uint32(i)]
	}
	return v
}

// out is the point as callers get it: a copy, with its vector.
func (ix *Index) out(e *entry) scent.Point {
	p := clone(e.point)
	p.Vector = ix.vector(e)
	return p
}

// scratch is one query's accumulators, reused across queries.
type scratch struct {
	scores  []float32
	touched []int32
	seen    []uint64 // a bit per slot: a candidate already taken
}

type posting struct {
	slot int32
	val  float32
}

var _ scent.Index = (*Index)(nil)

// New returns an empty index of vectors of dimension dim.
func New(dim int) *Index {
	if dim > 1<<16 {
		panic("memindex: dimensions are numbered in 16 bits")
	}
	ix := &Index{dim: dim}
	ix.clear()
	return ix
}

func (ix *Index) clear() {
	ix.byID = map[string]*entry{}
	ix.slots = nil
	ix.lists = make([][]posting, ix.dim)
	ix.tops = map[string][]int32{}
	ix.norms = nil
	ix.off, ix.dims, ix.vals = []uint32{0}, nil, nil
	ix.dead = 0
	ix.state = map[string][]byte{}
	ix.scores = sync.Pool{}
}

// Len is the number of live points.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.slots) - ix.dead
}

// Upsert writes points; a stale revision is skipped.
func (ix *Index) Upsert(_ context.Context, points []scent.Point) error {
	for _, p := range points {
		if !p.Deleted && len(p.Vector) != ix.dim {
			return fmt.Errorf("memindex: point %s: %w: %d, want %d", p.ID, scent.ErrDimension, len(p.Vector), ix.dim)
		}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, p := range points {
		old, ok := ix.byID[p.ID]
		if ok && p.Revision < old.point.Revision {
			continue
		}
		if ok && old.slot >= 0 {
			ix.slots[old.slot] = nil
			ix.dead++
		}
		p.Payload.Top, p.Payload.Prices = slices.Clone(p.Payload.Top), maps.Clone(p.Payload.Prices)
		e := &entry{point: p, slot: -1}
		e.point.Vector = nil
		if !p.Deleted {
			e.slot = len(ix.slots)
			ix.slots = append(ix.slots, e)
			var sum float64
			for d, x := range p.Vector {
				if x != 0 {
					ix.dims, ix.vals = append(ix.dims, uint16(d)), append(ix.vals, x)
					ix.lists[d] = append(ix.lists[d], posting{slot: int32(e.slot), val: x})
					sum += float64(x) * float64(x)
				}
			}
			ix.norms = append(ix.norms, float32(math.Sqrt(sum)))
			ix.off = append(ix.off, uint32(len(ix.dims)))
			for _, n := range topNotes(p.Payload.Top) {
				ix.tops[n] = append(ix.tops[n], int32(e.slot))
			}
		}
		ix.byID[p.ID] = e
	}
	if ix.dead > 1024 && ix.dead > len(ix.slots)/2 {
		ix.compact()
	}
	return nil
}

func clone(p scent.Point) scent.Point {
	p.Vector = slices.Clone(p.Vector)
	p.Payload.Top = slices.Clone(p.Payload.Top)
	p.Payload.Prices = maps.Clone(p.Payload.Prices)
	return p
}

// compact renumbers the live slots and rebuilds the lists without the
// retired ones.
func (ix *Index) compact() {
	var slots []*entry
	var norms []float32
	off, dims, vals := []uint32{0}, []uint16(nil), []float32(nil)
	renum := make([]int32, len(ix.slots))
	for i, e := range ix.slots {
		renum[i] = -1
		if e != nil {
			renum[i] = int32(len(slots))
			e.slot = len(slots)
			slots = append(slots, e)
			norms = append(norms, ix.norms[i])
			from, to := ix.off[i], ix.off[i+1]
			dims, vals = append(dims, ix.dims[from:to]...), append(vals, ix.vals[from:to]...)
			off = append(off, uint32(len(dims)))
		}
	}
	for d, l := range ix.lists {
		out := l[:0]
		for _, p := range l {
			if n := renum[p.slot]; n >= 0 {
				out = append(out, posting{slot: n, val: p.val})
			}
		}
		ix.lists[d] = slices.Clip(out)
	}
	for n, l := range ix.tops {
		out := l[:0]
		for _, s := range l {
			if r := renum[s]; r >= 0 {
				out = append(out, r)
			}
		}
		if len(out) == 0 {
			delete(ix.tops, n)
		} else {
			ix.tops[n] = slices.Clip(out)
		}
	}
	ix.slots, ix.norms, ix.dead = slots, norms, 0
	ix.off, ix.dims, ix.vals = off, dims, vals
	ix.scores = sync.Pool{}
}

// Get returns the live points among ids.
func (ix *Index) Get(_ context.Context, ids []string) (map[string]scent.Point, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := map[string]scent.Point{}
	for _, id := range ids {
		if e, ok := ix.byID[id]; ok && e.slot >= 0 {
			out[id] = ix.out(e)
		}
	}
	return out, nil
}

// Search returns the exact top K by cosine among live points passing the
// filter, ties by ID.
func (ix *Index) Search(_ context.Context, q scent.Query) ([]scent.Hit, error) {
	if len(q.Vector) != ix.dim {
		return nil, fmt.Errorf("memindex: query: %w: %d, want %d", scent.ErrDimension, len(q.Vector), ix.dim)
	}
	if q.K <= 0 {
		return []scent.Hit{}, nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var qn float64
	for _, x := range q.Vector {
		qn += float64(x) * float64(x)
	}
	qn = math.Sqrt(qn)
	n := len(ix.slots)
	sc, _ := ix.scores.Get().(*scratch)
	if sc == nil || len(sc.scores) != n {
		sc = &scratch{scores: make([]float32, n), touched: make([]int32, 0, n), seen: make([]uint64, (n+63)/64)}
	}
	scores := sc.scores
	var touched []int32
	if len(q.Filter.TopAny) > 0 {
		touched = ix.scoreTops(q, sc)
	} else {
		touched = ix.walk(q.Vector, sc)
	}
	pass := ix.filter(q.Filter)
	h := &top{}
	for _, s := range touched {
		e := ix.slots[s]
		if e == nil {
			continue
		}
		score := 0.0
		if qn > 0 && ix.norms[s] > 0 {
			score = float64(scores[s]) / (qn * float64(ix.norms[s]))
		}
		// The filter costs more than the score: test it only on a point
		// that would enter the heap.
		if h.Len() == q.K && better(scent.Hit{Point: scent.Point{ID: e.point.ID}, Score: score}, (*h)[0]) >= 0 || !pass(e) {
			continue
		}
		h.offer(scent.Hit{Point: scent.Point{ID: e.point.ID}, Score: score}, q.K)
	}
	for _, s := range touched {
		scores[s] = 0
	}
	sc.touched = touched
	ix.scores.Put(sc)
	if h.Len() < q.K {
		// Too few points share a dimension with the query: the rest have a
		// cosine of exactly 0 and fill the page in ID order.
		seen := map[string]bool{}
		for _, x := range *h {
			seen[x.ID] = true
		}
		var rest []string
		for id, e := range ix.byID {
			if e.slot >= 0 && !seen[id] && pass(e) {
				rest = append(rest, id)
			}
		}
		slices.Sort(rest)
		for _, id := range rest[:min(len(rest), q.K-h.Len())] {
			heap.Push(h, scent.Hit{Point: scent.Point{ID: id}})
		}
	}
	out := make([]scent.Hit, h.Len())
	copy(out, *h)
	slices.SortFunc(out, better)
	for i := range out {
		out[i].Point = ix.out(ix.byID[out[i].ID])
	}
	return out, nil
}

// walk scores every point sharing a dimension with v along the inverted
// lists, and returns the slots it touched.
func (ix *Index) walk(v scent.Vector, sc *scratch) []int32 {
	scores, touched := sc.scores, sc.touched[:0]
	for d, w := range v {
		if w == 0 {
			continue
		}
		for _, p := range ix.lists[d] {
			if scores[p.slot] == 0 {
				touched = append(touched, p.slot)
			}
			scores[p.slot] += w * p.val
			if scores[p.slot] == 0 { // cancelled out exactly: keep it marked
				scores[p.slot] = math.SmallestNonzeroFloat32
			}
		}
	}
	return touched
}

// scoreTops scores only the points having one of q.Filter.TopAny as a top
// note — the only ones the filter lets through, so the answer is as exact
// as the walk's — each by its own sparse vector. The dot products are
// summed in dimension order, as the walk sums them, so both paths give
// the same float32 score. A candidate with a dot product of 0 stays
// untouched, as in the walk, and may come back in the zero fill.
func (ix *Index) scoreTops(q scent.Query, sc *scratch) []int32 {
	scores, touched, seen := sc.scores, sc.touched[:0], sc.seen
	for _, n := range topNotes(q.Filter.TopAny) {
		for _, s := range ix.tops[n] {
			if seen[s/64]&(1<<(s%64)) != 0 {
				continue
			}
			seen[s/64] |= 1 << (s % 64)
			if ix.slots[s] == nil {
				continue
			}
			var dot float32
			from, to := ix.off[s], ix.off[s+1]
			vals := ix.vals[from:to]
			for i, d := range ix.dims[from:to] {
				dot += q.Vector[d] * vals[i]
			}
			if dot != 0 {
				scores[s] = dot
				touched = append(touched, s)
			}
		}
	}
	for _, n := range topNotes(q.Filter.TopAny) { // clear the marks for the next query
		for _, s := range ix.tops[n] {
			seen[s/64] = 0
		}
	}
	return touched
}

// topNotes are the distinct normalised names of notes.
func topNotes(notes []string) []string {
	out := make([]string, 0, len(notes))
	for _, n := range notes {
		if n = scent.Normalize(n); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func (ix *Index) filter(f scent.Filter) func(*entry) bool {
	exclude := map[string]bool{}
	for _, id := range f.Exclude {
		exclude[id] = true
	}
	top := map[string]bool{}
	for _, n := range f.TopAny {
		top[scent.Normalize(n)] = true
	}
	return func(e *entry) bool {
		p := e.point.Payload
		return !exclude[e.point.ID] && (f.Category == "" || p.Category == f.Category) &&
			(f.Gender == "" || p.Gender == f.Gender) && (f.Brand == "" || p.Brand == f.Brand) && (!f.InStock || p.InStock) &&
			(len(top) == 0 || slices.ContainsFunc(p.Top, func(n string) bool { return top[scent.Normalize(n)] }))
	}
}

// better orders hits best first: higher score, then lower ID.
func better(a, b scent.Hit) int {
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// top is a min-heap of the best hits so far: its root is the worst kept.
type top []scent.Hit

func (h top) Len() int           { return len(h) }
func (h top) Less(i, j int) bool { return better(h[i], h[j]) > 0 }
func (h top) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *top) Push(x any)        { *h = append(*h, x.(scent.Hit)) }
func (h *top) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (h *top) offer(x scent.Hit, k int) {
	if h.Len() < k {
		heap.Push(h, x)
		return
	}
	if better(x, (*h)[0]) < 0 {
		(*h)[0] = x
		heap.Fix(h, 0)
	}
}

// LoadState returns the stored records among keys.
func (ix *Index) LoadState(_ context.Context, keys []string) (map[string][]byte, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := map[string][]byte{}
	for _, k := range keys {
		if v, ok := ix.state[k]; ok {
			out[k] = slices.Clone(v)
		}
	}
	return out, nil
}

// SaveState stores records.
func (ix *Index) SaveState(_ context.Context, records map[string][]byte) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for k, v := range records {
		ix.state[k] = slices.Clone(v)
	}
	return nil
}

// Reset empties the index.
func (ix *Index) Reset(context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.clear()
	return nil
}

// Ping always answers: the index is in this process.
func (ix *Index) Ping(context.Context) error { return nil }
