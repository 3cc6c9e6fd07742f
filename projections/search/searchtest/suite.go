package searchtest

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/projections/search"
	"github.com/souq-market/souq/projections/search/projector"
)

// Size of the fixture catalog.
const products = 240

// Run runs the suite on the index open returns; each call must return an
// empty index of its own.
func Run(t *testing.T, open func(t *testing.T) search.Index) {
	m := Fixture(products)
	ix := open(t)
	p, err := projector.New(search.View(), ix, Registry())
	if err != nil {
		t.Fatal(err)
	}
	Feed(t, p, m.Log.Events, 97)

	t.Run("filters and facet counts", func(t *testing.T) { filters(t, ix, m) })
	t.Run("sorts", func(t *testing.T) { sorts(t, ix, m) })
	t.Run("pagination", func(t *testing.T) { pagination(t, ix, m) })
	t.Run("arabic spellings", func(t *testing.T) { arabic(t, ix, m) })
	t.Run("typos", func(t *testing.T) { typos(t, ix, m) })
	t.Run("suggest", func(t *testing.T) { suggest(t, ix) })
	t.Run("invalid cursor", func(t *testing.T) { badCursor(t, ix) })
	// The rest change the index: they run last, in this order.
	t.Run("redelivery changes nothing", func(t *testing.T) {
		Feed(t, p, m.Log.Events, 41)
		filters(t, ix, m)
	})
	t.Run("stale revision", func(t *testing.T) { stale(t, ix, p, m) })
	t.Run("stock", func(t *testing.T) { stock(t, ix, p, m) })
	t.Run("delisted", func(t *testing.T) { delisted(t, ix, p, m) })
}

func parse(t *testing.T, raw string) search.Query {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	q, err := search.Parse(v)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return q
}

// all pages through q and returns every hit, failing on a duplicate.
func all(t *testing.T, ix search.Searcher, q search.Query) ([]search.Hit, search.Page) {
	t.Helper()
	var hits []search.Hit
	seen := map[string]bool{}
	first := search.Page{}
	for i := 0; ; i++ {
		page, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatalf("search: %v", err)
		}
		if i == 0 {
			first = page
		} else if page.Total != first.Total {
			t.Fatalf("page %d: total %d, first page said %d", i, page.Total, first.Total)
		}
		for _, h := range page.Hits {
			if seen[h.ID] {
				t.Fatalf("page %d: %s again", i, h.ID)
			}
			seen[h.ID] = true
		}
		hits = append(hits, page.Hits...)
		if page.Next == "" {
			return hits, first
		}
		if i > products {
			t.Fatal("pagination does not end")
		}
		q.After = cursorOf(t, q, page.Next)
	}
}

// cursorOf decodes next through Parse, as the API would.
func cursorOf(t *testing.T, q search.Query, next string) []jsonRaw {
	t.Helper()
	v := values(q)
	v.Set("cursor", next)
	got, err := search.Parse(v)
	if err != nil {
		t.Fatalf("the API's own cursor was refused: %v", err)
	}
	return got.After
}

func ids(hits []search.Hit) []string {
	out := make([]string, 0, len(hits))
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

func filters(t *testing.T, ix search.Searcher, m *Model) {
	vendor := m.Items[0].VendorID
	brand := m.Items[1].Details.Brand
	cases := []string{
		"",
		"category=oud",
		"category=oud,attar&gender=men",
		"type=original&price_max=500&in_stock=true",
		"type=inspired_by&currency=SAR&price_min=100",
		"top=bergamot&base=oud&season=winter",
		"rating_min=4",
		"size=100&category=eau_de_parfum",
		"brand=" + url.QueryEscape(brand) + "&occasion=evening",
		"accord=woody&accord=amber&longevity=eternal,long_lasting",
		"sillage=strong&oud_type=cambodi",
		"concentration=eau_de_parfum&vendor=" + string(vendor),
		"heart=rose&in_stock=false",
		"category=musk&price_min=0&price_max=99.99",
		"season=summer&occasion=office&gender=women&rating_min=2",
	}
	for _, raw := range cases {
		q := parse(t, raw+"&limit=50")
		want := m.Match(q)
		hits, first := all(t, ix, q)
		got, exp := ids(hits), idsOf(want)
		slices.Sort(got)
		if !slices.Equal(got, exp) {
			t.Errorf("%q: found %d products, a direct count finds %d\nmissing %v\nextra %v", raw, len(got), len(exp), minus(exp, got), minus(got, exp))
			continue
		}
		if first.Total != len(want) {
			t.Errorf("%q: total %d, want %d", raw, first.Total, len(want))
		}
		for _, h := range hits {
			if d := m.Docs[h.ID]; !same(&h.Document, &d.Document) {
				t.Errorf("%q: %s stored as %+v\nwant %+v", raw, h.ID, h.Document, d.Document)
				break
			}
		}
		wantF := Facets(want, q.Currency)
		for _, f := range append(search.TermFields(), search.FacetPrice, search.FacetRating, search.FacetInStock) {
			gotF := map[string]int{}
			for _, b := range first.Facets[f] {
				gotF[b.Value] = b.Count
			}
			if !maps.Equal(gotF, wantF[f]) && !(len(gotF) == 0 && len(wantF[f]) == 0) {
				t.Errorf("%q: facet %s = %v, a direct count gives %v", raw, f, gotF, wantF[f])
			}
		}
	}
}

func same(a, b *search.Document) bool {
	return a.ID == b.ID && a.NameEN == b.NameEN && a.NameAR == b.NameAR && a.Brand == b.Brand && a.Vendor == b.Vendor &&
		a.Category == b.Category && slices.Equal(a.Sizes, b.Sizes) && maps.Equal(a.Prices, b.Prices) &&
		a.Stock == b.Stock && a.InStock == b.InStock && a.Rating == b.Rating && a.Ratings == b.Ratings && a.Sold == b.Sold &&
		a.ListedAt.Equal(b.ListedAt) && slices.Equal(a.Top, b.Top) && slices.Equal(a.Accords, b.Accords)
}

func idsOf(docs []*expected) []string {
	out := make([]string, 0, len(docs))
	for _, d := range docs {
		out = append(out, d.ID)
	}
	slices.Sort(out)
	return out
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func sorts(t *testing.T, ix search.Searcher, m *Model) {
	cases := []struct {
		raw string
		cmp func(a, b *expected) int
	}{
		{"sort=price_asc", func(a, b *expected) int { return cmpInt(a.Prices["AED"], b.Prices["AED"]) }},
		{"sort=price_desc&currency=SAR", func(a, b *expected) int { return cmpInt(b.Prices["SAR"], a.Prices["SAR"]) }},
		{"sort=newest", func(a, b *expected) int { return b.ListedAt.Compare(a.ListedAt) }},
		{"sort=rating", func(a, b *expected) int {
			if a.Rating != b.Rating {
				return cmpFloat(b.Rating, a.Rating)
			}
			return b.Ratings - a.Ratings
		}},
		{"sort=best_selling", func(a, b *expected) int { return cmpInt(b.Sold, a.Sold) }},
	}
	for _, c := range cases {
		for _, filter := range []string{"", "&category=eau_de_parfum,extrait"} {
			q := parse(t, c.raw+filter+"&limit=17")
			want := m.Match(q)
			slices.SortStableFunc(want, func(a, b *expected) int {
				if r := c.cmp(a, b); r != 0 {
					return r
				}
				return strings.Compare(a.ID, b.ID)
			})
			hits, _ := all(t, ix, q)
			if got, exp := ids(hits), idsInOrder(want); !slices.Equal(got, exp) {
				t.Errorf("%s%s: order\n%v\nwant\n%v", c.raw, filter, got, exp)
			}
		}
	}
}

func idsInOrder(docs []*expected) []string {
	out := make([]string, 0, len(docs))
	for _, d := range docs {
		out = append(out, d.ID)
	}
	return out
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pagination: a relevance-ordered text search paged 7 at a time yields
// every product the first page counted, once each.
func pagination(t *testing.T, ix search.Searcher, m *Model) {
	for _, raw := range []string{"q=oud&limit=7", "q=royal+oud&in_stock=true&limit=5", "limit=11"} {
		q := parse(t, raw)
		hits, first := all(t, ix, q)
		if len(hits) != first.Total || first.Total == 0 {
			t.Errorf("%q: paged through %d hits, total says %d", raw, len(hits), first.Total)
		}
		for i := 1; i < len(hits) && q.Text != ""; i++ {
			if hits[i].Score > hits[i-1].Score+1e-9 {
				t.Errorf("%q: hit %d scores %g above hit %d's %g", raw, i, hits[i].Score, i-1, hits[i-1].Score)
				break
			}
		}
	}
}

// arabic: a query spelled without hamza, with taa marbuta as haa, alef
// maqsura as yaa, or with diacritics and tatweel finds the products spelled
// the other way.
func arabic(t *testing.T, ix search.Searcher, m *Model) {
	cases := []struct{ query, word string }{
		{"الامير", "الأمير"},
		{"الملكه", "الملكة"},
		{"ليلي", "ليلى"},
		{"عُـود", "عود"},
		{"إمبراطوري", "إمبراطوري"},
		{"امبراطوري", "إمبراطوري"},
	}
	for _, c := range cases {
		want := map[string]bool{}
		for _, d := range m.live() {
			if slices.Contains(strings.Fields(d.NameAR), c.word) {
				want[d.ID] = true
			}
		}
		if len(want) == 0 {
			t.Fatalf("the fixture has no product named with %q", c.word)
		}
		q := parse(t, "limit=100&q="+url.QueryEscape(c.query))
		hits, _ := all(t, ix, q)
		got := map[string]bool{}
		for _, h := range hits {
			got[h.ID] = true
		}
		for id := range want {
			if !got[id] {
				t.Errorf("%q: %s (named %q) not found", c.query, id, m.Docs[id].NameAR)
			}
		}
		if len(hits) > 0 && !want[hits[0].ID] {
			t.Errorf("%q: the best hit %s (%q) is not spelled with %q", c.query, hits[0].ID, hits[0].NameAR, c.word)
		}
	}
}

func typos(t *testing.T, ix search.Searcher, m *Model) {
	cases := []struct{ query, note string }{{"sandalwod", "sandalwood"}, {"jasmin", "jasmine"}, {"bergamto", "bergamot"}, {"frankinsense", "frankincense"}}
	for _, c := range cases {
		hits, _ := all(t, ix, parse(t, "limit=100&q="+c.query))
		got := map[string]bool{}
		for _, h := range hits {
			got[h.ID] = true
		}
		n := 0
		for _, d := range m.live() {
			if slices.Contains(d.Top, c.note) || slices.Contains(d.Heart, c.note) || slices.Contains(d.Base, c.note) {
				n++
				if !got[d.ID] {
					t.Errorf("%q: %s with %s not found", c.query, d.ID, c.note)
				}
			}
		}
		if n == 0 {
			t.Fatalf("the fixture has no %s", c.note)
		}
	}
}

func suggest(t *testing.T, ix search.Searcher) {
	for _, c := range []struct{ prefix, word string }{{"roy", "royal"}, {"Golden o", "oud"}, {"الام", "الام"}, {"دهن الع", "الع"}} {
		s, err := search.ParseSuggest(url.Values{"prefix": {c.prefix}, "limit": {"5"}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := ix.Suggest(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || len(got) > 5 {
			t.Errorf("%q: %d suggestions", c.prefix, len(got))
		}
		for _, g := range got {
			if !slices.ContainsFunc(search.Terms(g.Text+" "+g.Brand), func(w string) bool { return strings.HasPrefix(w, c.word) }) {
				t.Errorf("%q: suggestion %q (%s) has no word starting %q", c.prefix, g.Text, g.Brand, c.word)
			}
		}
	}
}

func badCursor(t *testing.T, ix search.Searcher) {
	q := parse(t, "category=oud&limit=2")
	page, err := ix.Search(context.Background(), q)
	if err != nil || page.Next == "" {
		t.Fatalf("first page: %v, next %q", err, page.Next)
	}
	v := url.Values{"category": {"attar"}, "limit": {"2"}, "cursor": {page.Next}}
	if _, err := search.Parse(v); domain.KindOf(err) != domain.Invalid {
		t.Errorf("a cursor of another query: %v, want invalid", err)
	}
}

// stale: revision 2 of a product arrives, then revision 1 is delivered
// late; the document keeps revision 2.
func stale(t *testing.T, ix search.Searcher, p *projector.Projector, m *Model) {
	it := m.Items[5]
	stream := "product-" + string(it.ProductID)
	d1, d2 := it.Details, it.Details
	d1.Name.English, d2.Name.English = "Zubarah First Rename", "Zubarah Second Rename"
	e1 := m.Log.Add(stream, product.Updated{Details: d1})
	e2 := m.Log.Add(stream, product.Updated{Details: d2})
	if err := p.Handle(context.Background(), m.Log.Events[len(m.Log.Events)-1:]); err != nil {
		t.Fatal(err)
	}
	_ = e2
	if err := p.Handle(context.Background(), m.Log.Events[len(m.Log.Events)-2:len(m.Log.Events)-1]); err != nil {
		t.Fatal(err)
	}
	_ = e1
	page, err := ix.Search(context.Background(), parse(t, "q=zubarah"))
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Hits) != 1 || page.Hits[0].NameEN != "Zubarah Second Rename" {
		t.Fatalf("after a stale revision: %+v", page.Hits)
	}
	m.Docs[string(it.ProductID)].NameEN = d2.Name.English
}

// stock: reserving every unit of a product takes it out of in_stock.
func stock(t *testing.T, ix search.Searcher, p *projector.Projector, m *Model) {
	var it = m.Items[0]
	for _, x := range m.Items {
		if m.Docs[string(x.ProductID)].InStock {
			it = x
			break
		}
	}
	from := len(m.Log.Events)
	for sku, locs := range it.Stock {
		for loc, n := range locs {
			m.Log.Add("inventory-"+string(sku)+"@"+string(loc), inventory.Reserved{SKU: sku, Location: loc, ReservationID: "r", OrderID: "o", Quantity: n})
		}
	}
	Feed(t, p, m.Log.Events[from:], 3)
	d := m.Docs[string(it.ProductID)]
	d.Stock, d.InStock = 0, false
	q := parse(t, "in_stock=false&brand="+url.QueryEscape(it.Details.Brand)+"&limit=100")
	hits, _ := all(t, ix, q)
	if !slices.Contains(ids(hits), d.ID) {
		t.Fatalf("%s is still in stock", d.ID)
	}
	filters(t, ix, m)
}

// delisted: gone from results and facets, and a late redelivery of its
// listing does not bring it back.
func delisted(t *testing.T, ix search.Searcher, p *projector.Projector, m *Model) {
	it := m.Items[9]
	stream := "product-" + string(it.ProductID)
	from := len(m.Log.Events)
	m.Log.Add(stream, product.Delisted{Reason: "discontinued"})
	Feed(t, p, m.Log.Events[from:], 1)
	m.Docs[string(it.ProductID)].delisted = true
	Feed(t, p, m.Log.Events[:1+slices.IndexFunc(m.Log.Events, func(e eventRec) bool { return e.StreamID == stream })], 50)
	hits, _ := all(t, ix, parse(t, "limit=100&brand="+url.QueryEscape(it.Details.Brand)))
	if slices.Contains(ids(hits), string(it.ProductID)) {
		t.Fatalf("delisted %s still found", it.ProductID)
	}
	filters(t, ix, m)
	_ = fmt.Sprint
}
