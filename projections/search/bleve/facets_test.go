package bleve

import (
	"context"
	"net/url"
	"reflect"
	"testing"

	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/projections/search"
	"github.com/souq-market/souq/projections/search/catalog"
	"github.com/souq-market/souq/projections/search/projector"
	"github.com/souq-market/souq/projections/search/searchtest"
)

// The facet columns in memory answer exactly what Bleve's own facets of
// the same request answer, with text or without — after products are delisted, restocked and
// sold out, after an update that changes their terms, and once the index
// is opened again (columns loaded from the stored documents).
func TestFacetsAgreeWithBleve(t *testing.T) {
	dir := t.TempDir()
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := searchtest.Fixture(300)
	p, err := projector.New(search.View(), ix, searchtest.Registry())
	if err != nil {
		t.Fatal(err)
	}
	searchtest.Feed(t, p, m.Log.Events, 100)
	from := len(m.Log.Events)
	for i, it := range m.Items[:60] {
		id := string(it.ProductID)
		switch i % 4 {
		case 0:
			m.Log.Add("product-"+id, product.Delisted{Code: "other", Reason: "gone", At: catalog.ListedAt(i)})
		case 1: // another category, brand and notes
			d := m.Items[len(m.Items)-1-i].Details
			d.Images = it.Details.Images
			m.Log.Add("product-"+id, product.Updated{Details: d, At: catalog.ListedAt(i)})
		case 2, 3: // sold out, or one more in stock
			for sku, locs := range it.Stock {
				for loc, q := range locs {
					delta := int64(5)
					if i%4 == 2 {
						delta = -q
					}
					m.Log.Add("inventory-"+string(sku)+"@"+string(loc), inventory.Adjusted{SKU: sku, Location: loc, Delta: delta, Reason: "count", At: catalog.ListedAt(i)})
				}
			}
		}
	}
	searchtest.Feed(t, p, m.Log.Events[from:], 7)
	check := func(ix *Index) {
		t.Helper()
		for _, raw := range []string{"", "category=oud,attar&gender=men", "type=original&price_max=500&in_stock=true",
			"currency=SAR&price_min=100&sort=price_asc", "top=bergamot&base=oud", "rating_min=3&in_stock=false",
			"sort=price_desc&currency=KWD", "season=winter&season=summer&size=100", "brand=nobody",
			"q=oud", "q=oud&category=oud,attar&in_stock=true", "q=rose+amber&price_max=500", "q=عود&gender=men",
			"q=ambr&sort=newest", "q=nothingmatchesthis"} {
			params, _ := url.ParseQuery(raw)
			q, err := search.Parse(params)
			if err != nil {
				t.Fatal(err)
			}
			req, err := Request(q)
			if err != nil {
				t.Fatal(err)
			}
			res, err := ix.Raw().SearchInContext(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			want := buckets(res.Facets)
			if answers(q) && !reflect.DeepEqual(ix.read.facets.facetsOf(q), want) {
				t.Errorf("%q: facets in memory\n%v\nBleve's\n%v", raw, ix.read.facets.facetsOf(q), want)
			}
			page, err := ix.Search(context.Background(), q)
			if err != nil || !reflect.DeepEqual(page.Facets, want) || page.Total != int(res.Total) {
				t.Errorf("%q: the page's facets are not Bleve's (%v):\n%v\n%v", raw, err, page.Facets, want)
			}
			if !answers(q) && res.Total == 0 && raw != "q=nothingmatchesthis" {
				t.Errorf("%q finds nothing: the text case tests nothing", raw)
			}
		}
	}
	check(ix)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if ix, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	check(ix)
}
