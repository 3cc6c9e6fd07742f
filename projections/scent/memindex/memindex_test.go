package memindex_test

import (
	"context"
	"math"
	"testing"

	"github.com/souq-market/souq/projections/scent"
	"github.com/souq-market/souq/projections/scent/memindex"
	"github.com/souq-market/souq/projections/scent/scenttest"
)

func TestAcceptance(t *testing.T) {
	scenttest.Run(t, func(t *testing.T) scent.Index { return memindex.New(scent.Dim) })
}

// Rewriting every point retires every slot; the compaction that follows
// must leave answers exactly as the oracle's, the lists by top note
// included: each revision gives a third of the products other top notes,
// so a list that kept a retired slot or lost a renumbered one would find
// a product by a note it no longer opens with, or miss one.
func TestCompaction(t *testing.T) {
	ix := memindex.New(scent.Dim)
	pts := scenttest.Catalog(3000)
	tops := make([][]string, len(pts))
	for i := range pts {
		tops[i] = pts[i].Payload.Top
	}
	for rev := range uint64(3) {
		for i := range pts {
			pts[i].Revision = rev
			pts[i].Payload.InStock = (i+int(rev))%3 != 0
			pts[i].Payload.Top = tops[(i+int(rev)*(i%3))%len(pts)]
		}
		if err := ix.Upsert(context.Background(), pts); err != nil {
			t.Fatal(err)
		}
	}
	if ix.Len() != len(pts) {
		t.Fatalf("%d live points, want %d", ix.Len(), len(pts))
	}
	for _, q := range []scent.Query{{Vector: pts[0].Vector, K: 30}, {Vector: pts[9].Vector, K: 30, Filter: scent.Filter{InStock: true}},
		{Vector: pts[4].Vector, K: 100, Filter: scent.Filter{TopAny: pts[4].Payload.Top, Exclude: []string{pts[4].ID}}},
		{Vector: pts[7].Vector, K: 100, Filter: scent.Filter{TopAny: pts[8].Payload.Top, InStock: true}}} {
		got, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		want := scenttest.Oracle(pts, q)
		if len(got) != len(want) {
			t.Fatalf("%d hits, oracle %d", len(got), len(want))
		}
		for i := range want {
			if got[i].ID != want[i].ID && math.Abs(got[i].Score-want[i].Score) > 1e-6 || got[i].Payload.InStock != want[i].Payload.InStock {
				t.Fatalf("hit %d: %s %f, oracle %s %f", i, got[i].ID, got[i].Score, want[i].ID, want[i].Score)
			}
		}
	}
}
