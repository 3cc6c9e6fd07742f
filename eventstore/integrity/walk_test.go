package integrity_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/integrity"
)

var key = []byte("0123456789abcdef0123456789abcdef")

// build makes a log of n events over three interleaved streams, hashed as
// the stores hash them, with a checkpoint every `every` events.
func build(n int, every uint64) ([]integrity.Row, []integrity.Checkpoint) {
	var rows []integrity.Row
	var cps []integrity.Checkpoint
	last := map[string]integrity.Hash{}
	revs := map[string]uint64{}
	var global integrity.Hash
	for i := range n {
		stream := fmt.Sprintf("order-%d", i%3)
		e := integrity.Event{Stream: stream, ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1), Type: "order.noted",
			SchemaVersion: 1, Data: fmt.Appendf(nil, `{"i":%d}`, i), Metadata: []byte(`{"command_id":"c"}`), RecordedAt: int64(1_700_000_000_000_000 + i)}
		rev, prev := revs[stream], last[stream]
		h := integrity.Link(prev, rev, integrity.Digest(e))
		pos := uint64(i + 1)
		global = integrity.Global(global, pos, h)
		rows = append(rows, integrity.Row{Event: e, Position: pos, Revision: rev, Hash: slices.Clone(h[:]), Global: slices.Clone(global[:])})
		last[stream], revs[stream] = h, rev+1
		if pos%every == 0 {
			cps = append(cps, integrity.Checkpoint{Position: pos, Global: slices.Clone(global[:]), Signature: integrity.Sign(key, pos, global)})
		}
	}
	return rows, cps
}

func walk(rows []integrity.Row, cps []integrity.Checkpoint, k []byte) []eventstore.IntegrityProblem {
	w := integrity.NewWalker(k, cps)
	for _, r := range rows {
		w.Add(r)
	}
	return w.Finish()
}

type want struct {
	pos  eventstore.Position
	kind string
}

func TestWalkerNamesEachTampering(t *testing.T) {
	swapPositions := func(rows []integrity.Row, a, b int) []integrity.Row {
		rows[a], rows[b] = rows[b], rows[a]
		rows[a].Position, rows[b].Position = rows[b].Position, rows[a].Position
		return rows
	}
	cases := []struct {
		name   string
		tamper func(rows []integrity.Row, cps []integrity.Checkpoint) ([]integrity.Row, []integrity.Checkpoint)
		key    []byte
		want   []want
	}{
		{"untouched", nil, key, nil},
		{"payload edited", func(r []integrity.Row, c []integrity.Checkpoint) ([]integrity.Row, []integrity.Checkpoint) {
			r[9].Data = []byte(`{"i":999}`)
			return r, c
		}, key, []want{{10, "edited"}}},
		{"metadata edited", func(r []integrity.Row, c []integrity.Checkpoint) ([]integrity.Row, []integrity.Checkpoint) {
			r[0].Metadata = []byte(`{"command_id":"x"}`)
			return r, c
		}, key, []want{{1, "edited"}}},
		{"recorded_at edited", func(r []integrity.Row, c []integrity.Checkpoint) ([]integrity.Row, []integrity.Checkpoint) {
			r[29].RecordedAt++
			return r, c
		}, key, []want{{30, "edited"}}},
		{"event type edited", func(r []integrity.Row, c []integrity.Checkpoint) ([]integrity.Row, []integrity.Checkpoint) {
			r[4].Type = "order.cancelled"
			return r, c
		}, key, []want{{5, "edited"}}},
		{"one deleted", func(r []integrity.Row, c []integrity.Checkpoint) ([]integrity.Row, []integrity.Checkpoint) {
			return slices.Delete(r, 11, 12), c
		}, key, []want{{12, "missing"}}},
		{"two adjacent deleted, same stream follows", func(r []integrity.Row, c []integrity.Checkpoint) ([]integrity.Row, []integrity.Checkpoint) {
			return slices.Delete(r, 11, 13), c
		}, key, []want{{12, "missing"}}},
		{"tail cut past a checkpoint", func(r []integrity.Row, c []integrity.Checkpoint) ([]integrity.Row, []integrity.Checkpoint) {
			return r[:25], c
		}, key, []want{{26, "missing"}}},
		{"data of two exchanged", func(r []integrity.Row, c []integrity.Checkpoint) ([]integrity.Row, []integrity.Checkpoint) {
			r[6].Data, r[20].Data = r[20].Data, r[6].Data
			return r, c
		}, key, []want{{7, "reordered"}, {21, "reordered"}}},
		{"positions of two in different streams exchanged", func(r []integrity.Row, c []integrity.Checkpoint) ([]integrity.Row, []integrity.Checkpoint) {
			return swapPositions(r, 6, 19), c // order-0 and order-1
		}, key, []want{{7, "reordered"}, {20, "reordered"}}},
		{"adjacent positions exchanged", func(r []integrity.Row, c []integrity.Checkpoint) ([]integrity.Row, []integrity.Checkpoint) {
			return swapPositions(r, 6, 7), c
		}, key, []want{{7, "reordered"}, {8, "reordered"}}},
		{"positions of two in one stream exchanged", func(r []integrity.Row, c []integrity.Checkpoint) ([]integrity.Row, []integrity.Checkpoint) {
			return swapPositions(r, 3, 12), c // order-0 revisions 1 and 4
		}, key, []want{{4, "reordered"}, {13, "reordered"}}},
		{"checkpoint signature flipped", func(r []integrity.Row, c []integrity.Checkpoint) ([]integrity.Row, []integrity.Checkpoint) {
			c[1].Signature[0] ^= 1
			return r, c
		}, key, []want{{20, "checkpoint"}}},
		{"checked with another key", nil, []byte("another key, sixteen bytes or more"), []want{{10, "checkpoint"}, {20, "checkpoint"}, {30, "checkpoint"}}},
		{"edited and every hash after it rewritten", func(r []integrity.Row, c []integrity.Checkpoint) ([]integrity.Row, []integrity.Checkpoint) {
			r[12].Data = []byte(`{"i":-1}`)
			rehash(r)
			return r, c
		}, key, []want{{20, "checkpoint"}, {30, "checkpoint"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows, cps := build(31, 10)
			if tc.tamper != nil {
				rows, cps = tc.tamper(rows, cps)
			}
			got := walk(rows, cps, tc.key)
			t.Log(got)
			var gotKinds []want
			for _, p := range got {
				gotKinds = append(gotKinds, want{p.Position, p.Kind})
				if p.Detail == "" {
					t.Errorf("problem at %d has no detail", p.Position)
				}
			}
			if !slices.Equal(gotKinds, tc.want) {
				t.Fatalf("problems %v, want %v:\n%v", gotKinds, tc.want, got)
			}
		})
	}
}

// rehash recomputes every stored hash from the rows' content, as someone
// without the checkpoint key could.
func rehash(rows []integrity.Row) {
	last := map[string]integrity.Hash{}
	var global integrity.Hash
	for i := range rows {
		r := &rows[i]
		h := integrity.Link(last[r.Stream], r.Revision, integrity.Digest(r.Event))
		global = integrity.Global(global, r.Position, h)
		r.Hash, r.Global = slices.Clone(h[:]), slices.Clone(global[:])
		last[r.Stream] = h
	}
}

func TestDigestSeparatesFields(t *testing.T) {
	base := integrity.Event{Stream: "ab", ID: "c", Type: "t", SchemaVersion: 1, Data: []byte("{}"), Metadata: []byte("{}"), RecordedAt: 1}
	shifted := base
	shifted.Stream, shifted.ID = "a", "bc" // the same bytes, cut elsewhere
	if integrity.Digest(base) == integrity.Digest(shifted) {
		t.Fatal("moving a byte from one field to the next leaves the digest unchanged")
	}
	v2 := base
	v2.SchemaVersion = 2
	if integrity.Digest(base) == integrity.Digest(v2) {
		t.Fatal("the schema version is not covered")
	}
}

// FuzzWalker tampers with a log in arbitrary ways: the walk never panics,
// and whatever it is fed, any change to a row's bytes is reported.
func FuzzWalker(f *testing.F) {
	f.Add(uint8(3), uint8(0), []byte("x"))
	f.Add(uint8(10), uint8(1), []byte{})
	f.Add(uint8(0), uint8(2), []byte{0xff, 0})
	f.Add(uint8(20), uint8(3), []byte("{}"))
	f.Fuzz(func(t *testing.T, at, field uint8, b []byte) {
		rows, cps := build(25, 7)
		r := &rows[int(at)%len(rows)]
		before := fmt.Sprint(*r)
		switch field % 6 {
		case 0:
			r.Data = b
		case 1:
			r.Metadata = b
		case 2:
			r.Hash = b
		case 3:
			r.Global = b
		case 4:
			r.Stream = string(b)
		case 5:
			r.ID = string(b)
		}
		got := walk(rows, cps, key)
		if fmt.Sprint(*r) != before && len(got) == 0 {
			t.Fatalf("row %d changed (field %d to %q) and nothing was reported", r.Position, field%6, b)
		}
		if fmt.Sprint(*r) == before && len(got) != 0 {
			t.Fatalf("nothing changed and %v was reported", got)
		}
	})
}
