package scent_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/projections/scent"
	"github.com/souq-market/souq/projections/scent/memindex"
	"github.com/souq-market/souq/projections/scent/scenttest"
)

// brute is the baseline: the same port answered by a brute-force scan —
// every point's cosine over dense vectors, then the filter, then the
// first K.
type brute struct {
	scent.Index // Get, from the same points
	points      []scent.Point
}

func (b brute) Search(_ context.Context, q scent.Query) ([]scent.Hit, error) {
	return scenttest.Oracle(b.points, q), nil
}

// BenchmarkSimilar100k measures GET …/similar's work (index query, top-note
// pool, rules) at 100,000 products, on the in-process index and on the
// brute-force baseline, in the same run. Each op is one similar-products
// call for the next of 200 product IDs; p50 and p99 come from the op
// timings.
//
//	go test -run '^$' -bench Similar100k -benchtime 200x -count 5 ./projections/scent/
func BenchmarkSimilar100k(b *testing.B) {
	pts := scenttest.Catalog(100_000)
	ix := memindex.New(scent.Dim)
	if err := ix.Upsert(context.Background(), pts); err != nil {
		b.Fatal(err)
	}
	exact := scent.NewReader(brute{Index: ix, points: pts}, scent.DefaultRules("Dar Al Oud"), nil)
	for _, c := range []struct {
		name string
		ix   scent.Index
	}{{"memindex", ix}, {"brute-force", brute{Index: ix, points: pts}}} {
		b.Run(c.name, func(b *testing.B) {
			rd := scent.NewReader(c.ix, scent.DefaultRules("Dar Al Oud"), nil)
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				got, err := rd.Similar(context.Background(), pts[(i*499)%len(pts)].ID, domain.AED, 20)
				lat = append(lat, time.Since(start))
				if err != nil || len(got) != 20 {
					b.Fatalf("%d answers, %v", len(got), err)
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			q := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(q(0.5), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
			if c.name == "memindex" {
				b.ReportMetric(recall(b, rd, exact, pts, min(b.N, 20)), "recall@20")
			}
		})
	}
}

// recall is the share of the brute-force answer's 20 products that the
// index's answer holds too, over the first n products the benchmark asks
// about (the pages after the rules: what a shopper sees).
func recall(b *testing.B, got, want *scent.Reader, pts []scent.Point, n int) float64 {
	found, total := 0, 0
	for i := range n {
		id := pts[(i*499)%len(pts)].ID
		g, err1 := got.Similar(context.Background(), id, domain.AED, 20)
		w, err2 := want.Similar(context.Background(), id, domain.AED, 20)
		if err1 != nil || err2 != nil {
			b.Fatal(err1, err2)
		}
		for _, m := range w {
			total++
			if slices.ContainsFunc(g, func(x scent.Match) bool { return x.ID == m.ID }) {
				found++
			}
		}
	}
	return float64(found) / float64(total)
}
