package scenttest

import (
	"cmp"
	"context"
	"math"
	"slices"
	"testing"

	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/projections/scent"
	"github.com/souq-market/souq/projections/scent/projector"
	"github.com/souq-market/souq/projections/search/catalog"
	"github.com/souq-market/souq/projections/search/searchtest"
)

// Tolerance on scores: adapters compute cosines in float32.
const Tolerance = 1e-4

// Run runs the suite; open must return an empty index of scent.Dim of its
// own on each call.
func Run(t *testing.T, open func(t *testing.T) scent.Index) {
	t.Run("revisions", func(t *testing.T) { revisions(t, open(t)) })
	t.Run("exact top-k and filters", func(t *testing.T) { exact(t, open(t)) })
	t.Run("state", func(t *testing.T) { state(t, open(t)) })
	t.Run("projector", func(t *testing.T) { feed(t, open(t)) })
}

func ctx() context.Context { return context.Background() }

func point(id string, rev uint64, p scent.Payload, prof scent.Profile) scent.Point {
	return scent.Point{ID: id, Revision: rev, Vector: scent.Vectorize(prof), Payload: p}
}

func revisions(t *testing.T, ix scent.Index) {
	oud := scent.Profile{Base: []string{"oud"}}
	rose := scent.Profile{Heart: []string{"rose"}}
	must(t, ix.Upsert(ctx(), []scent.Point{point("p1", 3, scent.Payload{Brand: "new"}, oud)}))
	must(t, ix.Upsert(ctx(), []scent.Point{point("p1", 2, scent.Payload{Brand: "stale"}, rose)}))
	got := get(t, ix, "p1")
	if got.Payload.Brand != "new" || got.Revision != 3 {
		t.Fatalf("a stale revision overwrote a newer one: %+v", got)
	}
	must(t, ix.Upsert(ctx(), []scent.Point{point("p1", 3, scent.Payload{Brand: "new", InStock: true}, oud)}))
	if got := get(t, ix, "p1"); !got.Payload.InStock {
		t.Fatalf("the same revision must overwrite (derived payload): %+v", got)
	}
	must(t, ix.Upsert(ctx(), []scent.Point{{ID: "p1", Revision: 5, Deleted: true}}))
	if m, err := ix.Get(ctx(), []string{"p1"}); err != nil || len(m) != 0 {
		t.Fatalf("a tombstone is not live: %v %v", m, err)
	}
	hits, err := ix.Search(ctx(), scent.Query{Vector: scent.Vectorize(oud), K: 5})
	must(t, err)
	if len(hits) != 0 {
		t.Fatalf("a tombstone was found: %+v", hits)
	}
	must(t, ix.Upsert(ctx(), []scent.Point{point("p1", 4, scent.Payload{Brand: "stale"}, oud)}))
	if m, _ := ix.Get(ctx(), []string{"p1"}); len(m) != 0 {
		t.Fatal("a stale upsert brought a deleted product back")
	}
	must(t, ix.Upsert(ctx(), []scent.Point{point("p1", 6, scent.Payload{Brand: "back"}, rose)}))
	if got := get(t, ix, "p1"); got.Payload.Brand != "back" || scent.Cosine(got.Vector, scent.Vectorize(rose)) < 0.999 {
		t.Fatalf("a newer revision after a tombstone: %+v", got)
	}
	if err := ix.Upsert(ctx(), []scent.Point{{ID: "bad", Revision: 1, Vector: make(scent.Vector, 3)}}); err == nil {
		t.Fatal("a vector of the wrong dimension was taken")
	}
	if _, err := ix.Search(ctx(), scent.Query{Vector: make(scent.Vector, 3), K: 1}); err == nil {
		t.Fatal("a query of the wrong dimension was answered")
	}
	must(t, ix.Reset(ctx()))
	if m, _ := ix.Get(ctx(), []string{"p1"}); len(m) != 0 {
		t.Fatal("Reset left a point")
	}
}

func get(t *testing.T, ix scent.Index, id string) scent.Point {
	t.Helper()
	m, err := ix.Get(ctx(), []string{id})
	must(t, err)
	p, ok := m[id]
	if !ok {
		t.Fatalf("%s not found", id)
	}
	return p
}

// Catalog returns n points from the generated catalog, with every fifth
// product out of stock.
func Catalog(n int) []scent.Point {
	var out []scent.Point
	for i, it := range catalog.Generate(7, n) {
		d := it.Details
		prof := scent.Profile{Top: d.Scent.Top, Heart: d.Scent.Heart, Base: d.Scent.Base, Accords: d.Scent.Accords,
			OudType: d.Scent.OudType, Seasons: d.Scent.Seasons, Occasions: d.Scent.Occasions, Longevity: d.Scent.Longevity, Sillage: d.Scent.Sillage}
		prices := map[string]int64{}
		for _, v := range it.Variants {
			for c, m := range v.Prices {
				if low, ok := prices[string(c)]; !ok || m.Amount() < low {
					prices[string(c)] = m.Amount()
				}
			}
		}
		out = append(out, point(string(it.ProductID), 0, scent.Payload{Vendor: string(it.VendorID), Brand: d.Brand,
			Category: string(d.Category), Gender: string(d.Gender), Top: d.Scent.Top, Prices: prices, InStock: i%5 != 0}, prof))
	}
	return out
}

// Oracle is the brute-force answer: every point's cosine, filtered,
// sorted best first (ties by ID), the first k.
func Oracle(points []scent.Point, q scent.Query) []scent.Hit {
	ex := map[string]bool{}
	for _, id := range q.Filter.Exclude {
		ex[id] = true
	}
	var out []scent.Hit
	for _, p := range points {
		f, pl := q.Filter, p.Payload
		if p.Deleted || ex[p.ID] || (f.Category != "" && pl.Category != f.Category) || (f.Gender != "" && pl.Gender != f.Gender) ||
			(f.Brand != "" && pl.Brand != f.Brand) || (f.InStock && !pl.InStock) || !topAny(pl.Top, f.TopAny) {
			continue
		}
		out = append(out, scent.Hit{Point: p, Score: scent.Cosine(q.Vector, p.Vector)})
	}
	slices.SortFunc(out, func(a, b scent.Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out[:min(q.K, len(out))]
}

func exact(t *testing.T, ix scent.Index) {
	pts := Catalog(400)
	for i := 0; i < len(pts); i += 64 {
		must(t, ix.Upsert(ctx(), pts[i:min(len(pts), i+64)]))
	}
	queries := []scent.Query{
		{Vector: pts[0].Vector, K: 20},
		{Vector: pts[1].Vector, K: 20, Filter: scent.Filter{Exclude: []string{pts[1].ID}}},
		{Vector: pts[2].Vector, K: 10, Filter: scent.Filter{InStock: true}},
		{Vector: pts[3].Vector, K: 10, Filter: scent.Filter{Category: pts[3].Payload.Category}},
		{Vector: pts[4].Vector, K: 10, Filter: scent.Filter{Gender: "women", Brand: pts[4].Payload.Brand}},
		{Vector: pts[5].Vector, K: 30, Filter: scent.Filter{TopAny: []string{"Pink-Pepper", "bergamot"}, Exclude: []string{pts[5].ID}}},
		{Vector: scent.Vectorize(scent.Profile{Notes: []string{"oud", "saffron"}, Accords: []string{"smoky"}}), K: 25},
		{Vector: scent.Vectorize(scent.Profile{Notes: []string{"yuzu"}}), K: 5}, // shares nothing: zeros in ID order
	}
	for i, q := range queries {
		got, err := ix.Search(ctx(), q)
		must(t, err)
		want := Oracle(pts, q)
		if len(got) != len(want) {
			t.Fatalf("query %d: %d hits, oracle %d", i, len(got), len(want))
		}
		for j := range want {
			if math.Abs(got[j].Score-want[j].Score) > Tolerance {
				t.Fatalf("query %d hit %d: %s %.6f, oracle %s %.6f", i, j, got[j].ID, got[j].Score, want[j].ID, want[j].Score)
			}
			// Equal scores may come in either order only within the tolerance.
			if got[j].ID != want[j].ID && math.Abs(got[j].Score-want[j].Score) > 1e-6 {
				t.Fatalf("query %d hit %d: %s, oracle %s", i, j, got[j].ID, want[j].ID)
			}
			if !passes(got[j].Point, q.Filter) {
				t.Fatalf("query %d: %s does not pass the filter %+v", i, got[j].ID, q.Filter)
			}
		}
	}
	got, err := ix.Search(ctx(), scent.Query{Vector: pts[0].Vector, K: 1})
	must(t, err)
	if len(got) != 1 || got[0].ID != pts[0].ID || got[0].Score < 1-Tolerance {
		t.Fatalf("a product is its own nearest neighbour at cosine 1: %+v", got)
	}
	if p := got[0].Payload; p.Brand != pts[0].Payload.Brand || p.Prices["AED"] != pts[0].Payload.Prices["AED"] || !slices.Equal(p.Top, pts[0].Payload.Top) {
		t.Fatalf("payload did not round-trip: %+v, want %+v", p, pts[0].Payload)
	}
}

func topAny(top, any []string) bool {
	if len(any) == 0 {
		return true
	}
	for _, n := range top {
		for _, m := range any {
			if scent.Normalize(n) == scent.Normalize(m) {
				return true
			}
		}
	}
	return false
}

func passes(p scent.Point, f scent.Filter) bool {
	return topAny(p.Payload.Top, f.TopAny) && !slices.Contains(f.Exclude, p.ID) && (f.Category == "" || p.Payload.Category == f.Category) &&
		(f.Gender == "" || p.Payload.Gender == f.Gender) && (f.Brand == "" || p.Payload.Brand == f.Brand) && (!f.InStock || p.Payload.InStock)
}

func state(t *testing.T, ix scent.Index) {
	must(t, ix.SaveState(ctx(), map[string][]byte{"product:a": []byte(`{"a":1}`), "sku:b": []byte(`{}`)}))
	must(t, ix.SaveState(ctx(), map[string][]byte{"product:a": []byte(`{"a":2}`)}))
	got, err := ix.LoadState(ctx(), []string{"product:a", "sku:b", "order:none"})
	must(t, err)
	if string(got["product:a"]) != `{"a":2}` || string(got["sku:b"]) != `{}` || len(got) != 2 {
		t.Fatalf("state: %q", got)
	}
	must(t, ix.Reset(ctx()))
	if got, _ := ix.LoadState(ctx(), []string{"product:a"}); len(got) != 0 {
		t.Fatal("Reset left state")
	}
}

// feed runs the real projector over the search fixture's log, twice.
func feed(t *testing.T, ix scent.Index) {
	m := searchtest.Fixture(120)
	p, err := projector.New(ix, searchtest.Registry())
	must(t, err)
	searchtest.Feed(t, p, m.Log.Events, 53)
	check := func() {
		for _, it := range m.Items {
			id := string(it.ProductID)
			pt := get(t, ix, id)
			want := m.Docs[id]
			if pt.Payload.InStock != want.InStock || pt.Payload.Prices["AED"] != want.Prices["AED"] || pt.Payload.Brand != want.Brand {
				t.Fatalf("%s: payload %+v, want stock %v, price %d, brand %s", id, pt.Payload, want.InStock, want.Prices["AED"], want.Brand)
			}
			if c := scent.Cosine(pt.Vector, scent.Vectorize(projector.Profile(want.Document))); c < 1-Tolerance {
				t.Fatalf("%s: vector is not its profile's (cosine %f)", id, c)
			}
		}
	}
	check()
	searchtest.Feed(t, p, m.Log.Events, 29)
	check()
	// Delisting removes the product from every answer.
	first := m.Items[0]
	m.Log.Add("product-"+string(first.ProductID), product.Delisted{Code: product.DelistDiscontinued, Reason: "gone", At: catalog.ListedAt(0)})
	searchtest.Feed(t, p, m.Log.Events[len(m.Log.Events)-1:], 1)
	if got, _ := ix.Get(ctx(), []string{string(first.ProductID)}); len(got) != 0 {
		t.Fatal("a delisted product is still in the index")
	}
	hits, err := ix.Search(ctx(), scent.Query{Vector: get(t, ix, string(m.Items[1].ProductID)).Vector, K: 200})
	must(t, err)
	for _, h := range hits {
		if h.ID == string(first.ProductID) {
			t.Fatal("a delisted product was found")
		}
	}
	if len(hits) != len(m.Items)-1 {
		t.Fatalf("%d hits, want every other product (%d)", len(hits), len(m.Items)-1)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
