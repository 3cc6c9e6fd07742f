package bleve_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/projections/search"
	"github.com/souq-market/souq/projections/search/bleve"
	"github.com/souq-market/souq/projections/search/projector"
	"github.com/souq-market/souq/projections/search/searchtest"
)

// benchProducts is the catalog size: SOUQ_BENCH_PRODUCTS, 20,000 unless
// told (100,000 is the figure; it takes minutes to build).
func benchProducts(b *testing.B) int {
	if s := os.Getenv("SOUQ_BENCH_PRODUCTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 20000
}

// BenchmarkIndex feeds the whole catalog (listings, stock, reviews,
// orders) through the projector in batches of 500 events, as the runner
// would; the figure is products per second.
func BenchmarkIndex(b *testing.B) {
	n := benchProducts(b)
	m := searchtest.Fixture(n)
	for b.Loop() {
		b.StopTimer()
		ix, err := bleve.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		p, _ := projector.New(search.View(), ix, searchtest.Registry())
		b.StartTimer()
		searchtest.Feed(b, p, m.Log.Events, 500)
		b.StopTimer()
		ix.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "products/s")
	b.ReportMetric(float64(len(m.Log.Events)*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSearch: three filters and every facet, through our layer
// (parse → query → hits read back → facets mapped → cursor), as the raw
// Bleve request alone, and as that request scored (raw-scored: the filters
// in a conjunction Bleve scores posting by posting, as Request built them
// before they went unscored), in the same process.
// The index is built once per size and kept in the temp dir between runs.
func BenchmarkSearch(b *testing.B) {
	n := benchProducts(b)
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("souq-search-bench-%d-v%d", n, search.MappingVersion))
	ix, err := bleve.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	probe, err := ix.Search(context.Background(), search.Query{Currency: "AED", Sort: search.Relevance, Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	if probe.Total < n {
		m := searchtest.Fixture(n)
		p, _ := projector.New(search.View(), ix, searchtest.Registry())
		searchtest.Feed(b, p, m.Log.Events, 500)
	}
	// The three filters; then with the text "oud" and two of them (the
	// issue's demo search), whose facets still come from Bleve.
	var queries, texts []search.Query
	for _, c := range product.Categories() {
		v := url.Values{"category": {string(c)}, "in_stock": {"true"}, "price_max": {"500"}, "limit": {"24"}}
		q, err := search.Parse(v)
		if err != nil {
			b.Fatal(err)
		}
		queries = append(queries, q)
		v.Del("price_max")
		v.Set("q", "oud")
		if q, err = search.Parse(v); err != nil {
			b.Fatal(err)
		}
		texts = append(texts, q)
	}
	raw := ix.Raw()
	for _, layer := range []string{"raw-scored", "raw", "ours", "raw-text", "ours-text"} {
		b.Run(layer, func(b *testing.B) {
			var lat []time.Duration
			i := 0
			for b.Loop() {
				q := queries[i%len(queries)]
				if strings.HasSuffix(layer, "-text") {
					q = texts[i%len(texts)]
				}
				i++
				start := time.Now()
				if strings.HasPrefix(layer, "ours") {
					if _, err := ix.Search(context.Background(), q); err != nil {
						b.Fatal(err)
					}
				} else {
					req, err := bleve.Request(q)
					if err != nil {
						b.Fatal(err)
					}
					if layer == "raw-scored" {
						req.Score = ""
					}
					if _, err := raw.SearchInContext(context.Background(), req); err != nil {
						b.Fatal(err)
					}
				}
				lat = append(lat, time.Since(start))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
