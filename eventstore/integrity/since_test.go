package integrity_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/souq-market/souq/eventstore/integrity"
)

// sinceRows are rows 21..30 of a log with chained checkpoints at 10 and 20,
// each with its stream's previous hash, as the writers read them.
func sinceRows() ([]integrity.SinceRow, *integrity.Checkpoint) {
	rows, cps := build(30, 10)
	cps = chained(cps, 0)
	var out []integrity.SinceRow
	for _, r := range rows[20:] {
		sr := integrity.SinceRow{Row: r}
		if r.Revision > 0 {
			sr.PreviousHash = rows[r.Position-4].Hash
		}
		out = append(out, sr)
	}
	return out, &cps[1]
}

func check(s integrity.Since, to uint64, rows []integrity.SinceRow) integrity.Verdict {
	i := 0
	v, err := s.Check(to, func() (integrity.SinceRow, bool, error) {
		if i == len(rows) {
			return integrity.SinceRow{}, false, nil
		}
		i++
		return rows[i-1], true, nil
	})
	if err != nil {
		panic(err)
	}
	return v
}

// TestSinceRefusesWhatDoesNotVerify: before a writer signs, the events
// since the last checkpoint are checked; every way they can be wrong is a
// refusal naming the position, and untouched events give the hash to sign.
func TestSinceRefusesWhatDoesNotVerify(t *testing.T) {
	cases := []struct {
		name      string
		tamper    func(r []integrity.SinceRow, last *integrity.Checkpoint, wrote *integrity.Mark) []integrity.SinceRow
		problem   string // part of the refusal; "" to sign
		rewritten bool
	}{
		{"untouched", nil, "", false},
		{"payload edited", func(r []integrity.SinceRow, _ *integrity.Checkpoint, _ *integrity.Mark) []integrity.SinceRow {
			r[2].Data = []byte(`{"i":-1}`)
			return r
		}, "position 23: the content", false},
		{"rewritten with its own hashes", func(r []integrity.SinceRow, _ *integrity.Checkpoint, _ *integrity.Mark) []integrity.SinceRow {
			r[2].Data = []byte(`{"i":-1}`)
			prev, _ := integrity.FromBytes(r[2].PreviousHash)
			before, _ := integrity.FromBytes(r[1].Global)
			h := integrity.Link(prev, r[2].Revision, integrity.Digest(r[2].Event))
			g := integrity.Global(before, 23, h)
			r[2].Hash, r[2].Global = h[:], g[:]
			return r
		}, "position 24: the global hash does not chain", false},
		{"the first after the checkpoint rewritten whole", func(r []integrity.SinceRow, _ *integrity.Checkpoint, _ *integrity.Mark) []integrity.SinceRow {
			r[0].Global = r[1].Global
			return r
		}, "position 21: the global hash does not chain", false},
		{"one deleted", func(r []integrity.SinceRow, _ *integrity.Checkpoint, _ *integrity.Mark) []integrity.SinceRow {
			return slices.Delete(r, 4, 5)
		}, "position 26 follows position 24", false},
		{"the last deleted", func(r []integrity.SinceRow, _ *integrity.Checkpoint, _ *integrity.Mark) []integrity.SinceRow {
			return r[:len(r)-1]
		}, "ends at position 29, not 30", false},
		{"two exchanged", func(r []integrity.SinceRow, _ *integrity.Checkpoint, _ *integrity.Mark) []integrity.SinceRow {
			r[3], r[4] = r[4], r[3]
			return r
		}, "position 25 follows position 23", false},
		{"the stream's previous hash missing", func(r []integrity.SinceRow, _ *integrity.Checkpoint, _ *integrity.Mark) []integrity.SinceRow {
			r[5].PreviousHash = nil
			return r
		}, "position 26: revision 7", false},
		{"a hash malformed", func(r []integrity.SinceRow, _ *integrity.Checkpoint, _ *integrity.Mark) []integrity.SinceRow {
			r[6].Hash = r[6].Hash[:5]
			return r
		}, "position 27: the stored hashes", false},
		{"the checkpoint forged", func(r []integrity.SinceRow, last *integrity.Checkpoint, _ *integrity.Mark) []integrity.SinceRow {
			last.Global = r[0].Global
			return r
		}, "the checkpoint at position 20", false},
		{"the writer's own last event rechained", func(r []integrity.SinceRow, _ *integrity.Checkpoint, wrote *integrity.Mark) []integrity.SinceRow {
			*wrote = integrity.Mark{Position: 28, Global: integrity.Hash{1}}
			return r
		}, "position 28: the global hash is not the one this writer wrote", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows, last := sinceRows()
			lastCopy := *last
			var wrote integrity.Mark
			if tc.tamper != nil {
				rows = tc.tamper(rows, &lastCopy, &wrote)
			} else {
				g, _ := integrity.FromBytes(rows[7].Global)
				wrote = integrity.Mark{Position: 28, Global: g} // the writer's memory agrees
			}
			v := check(integrity.Since{Key: key, Last: &lastCopy, Wrote: wrote}, 30, rows)
			if !strings.Contains(v.Problem, tc.problem) || (v.Problem == "") != (tc.problem == "") || v.Rewritten != tc.rewritten {
				t.Fatalf("verdict %+v, want a problem with %q (rewritten %v)", v, tc.problem, tc.rewritten)
			}
			if tc.problem == "" {
				if g, _ := integrity.FromBytes(rows[9].Global); v.Global != g {
					t.Fatal("the hash to sign is not the head's global hash")
				}
			}
		})
	}
}

// TestSinceFromTheStart: with no checkpoint yet, the events are checked
// from position 1 and the zero hash.
func TestSinceFromTheStart(t *testing.T) {
	rows, _ := build(12, 100)
	var in []integrity.SinceRow
	for _, r := range rows {
		sr := integrity.SinceRow{Row: r}
		if r.Revision > 0 {
			sr.PreviousHash = rows[r.Position-4].Hash
		}
		in = append(in, sr)
	}
	if v := check(integrity.Since{Key: key}, 12, in); v.Problem != "" {
		t.Fatalf("an untouched log refused: %s", v.Problem)
	}
	in[0].Metadata = []byte(`{}`)
	if v := check(integrity.Since{Key: key}, 12, in); !strings.Contains(v.Problem, "position 1:") {
		t.Fatalf("the first event edited: verdict %+v", v)
	}
}
