package integrity_test

import (
	"slices"
	"testing"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/integrity"
)

// chained re-signs checkpoints as the writers now sign them, in order, the
// first `legacy` of them left as signed before chaining.
func chained(cps []integrity.Checkpoint, legacy int) []integrity.Checkpoint {
	var last *integrity.Checkpoint
	out := slices.Clone(cps)
	for i := range out {
		if i >= legacy {
			g, _ := integrity.FromBytes(out[i].Global)
			out[i] = integrity.Next(key, last, out[i].Position, g)
		}
		last = &out[i]
	}
	return out
}

func TestCheckpointChainNamesDeletedAndReorderedCheckpoints(t *testing.T) {
	del := func(c []integrity.Checkpoint, i int) []integrity.Checkpoint { return slices.Delete(c, i, i+1) }
	cases := []struct {
		name   string
		legacy int // checkpoints signed before chaining
		tamper func(c []integrity.Checkpoint) []integrity.Checkpoint
		want   []want
	}{
		{"untouched", 0, nil, nil},
		{"untouched, chained after unchained ones", 2, nil, nil},
		{"a middle one deleted", 0, func(c []integrity.Checkpoint) []integrity.Checkpoint { return del(c, 2) }, []want{{40, "checkpoint"}}},
		{"two middle ones deleted", 0, func(c []integrity.Checkpoint) []integrity.Checkpoint { return del(del(c, 1), 1) }, []want{{40, "checkpoint"}}},
		{"the first deleted", 0, func(c []integrity.Checkpoint) []integrity.Checkpoint { return del(c, 0) }, []want{{20, "checkpoint"}}},
		{"the last unchained one deleted", 2, func(c []integrity.Checkpoint) []integrity.Checkpoint { return del(c, 1) }, []want{{30, "checkpoint"}}},
		{"the newest deleted: not detectable", 0, func(c []integrity.Checkpoint) []integrity.Checkpoint { return c[:len(c)-2] }, nil},
		{"numbers exchanged", 0, func(c []integrity.Checkpoint) []integrity.Checkpoint {
			c[1].Seq, c[2].Seq = c[2].Seq, c[1].Seq
			return c
		}, []want{{20, "checkpoint"}, {30, "checkpoint"}}},
		{"the previous signature replaced", 0, func(c []integrity.Checkpoint) []integrity.Checkpoint {
			c[3].Previous = c[1].Signature
			return c
		}, []want{{40, "checkpoint"}}},
		{"an unchained one signed after the chained ones", 0, func(c []integrity.Checkpoint) []integrity.Checkpoint {
			g, _ := integrity.FromBytes(c[4].Global)
			c[4] = integrity.Checkpoint{Position: c[4].Position, Global: g[:], Signature: integrity.Sign(key, c[4].Position, g)}
			return c
		}, []want{{50, "checkpoint"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows, cps := build(55, 10)
			cps = chained(cps, tc.legacy)
			if tc.tamper != nil {
				cps = tc.tamper(cps)
			}
			var got []want
			for _, p := range walk(rows, cps, key) {
				got = append(got, want{p.Position, p.Kind})
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("problems %v, want %v", walk(rows, cps, key), tc.want)
			}
		})
	}
}

// TestWalkerBlamesTheEventRewrittenWithItsHashes: an event rewritten with
// its own hashes matches them and chains to the event before; the break is
// where the next event chains to it, and the walk names the rewritten one
// (and its stream's next event, which chained to the old hash).
func TestWalkerBlamesTheEventRewrittenWithItsHashes(t *testing.T) {
	for _, at := range []int{23, 29} { // in the middle, and the one before the last
		rows, cps := build(30, 10)
		r := &rows[at-1]
		r.Data = []byte(`{"i":999}`)
		prev, _ := integrity.FromBytes(rows[at-4].Hash) // its stream's revision before
		before, _ := integrity.FromBytes(rows[at-2].Global)
		h := integrity.Link(prev, r.Revision, integrity.Digest(r.Event))
		g := integrity.Global(before, uint64(at), h)
		r.Hash, r.Global = h[:], g[:]
		var got []want
		for _, p := range walk(rows, cps[:2], key) { // no checkpoint covers it
			got = append(got, want{p.Position, p.Kind})
		}
		if !slices.Contains(got, want{eventstore.Position(at), "edited"}) {
			t.Fatalf("rewritten at %d: problems %v, want %d edited", at, walk(rows, cps[:2], key), at)
		}
	}
}
