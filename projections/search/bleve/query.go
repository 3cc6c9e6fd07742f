package bleve

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/projections/search"
)

// facetSize bounds the buckets of a term facet: above the size of every
// vocabulary the catalog uses (notes, brands shown per page of filters).
const facetSize = 100

// Query is the Bleve query of q: the text terms ANDed (each matching any
// text field, with its fuzziness) and scored; the filters — term values
// ORed within a field and ANDed across, ranges, stock, and for a price sort
// the products sold in the currency — in a boolean query's filter clause,
// which Bleve runs unscored (posting bitmaps intersected), like the
// filter context of the Elasticsearch adapter. Without text the filters
// are the whole query, run unscored too (see Request): there is nothing
// to be relevant to. It is exported so the benchmark can run the same
// query raw.
func Query(q search.Query) query.Query {
	text, filter := textQuery(q), filterQuery(q)
	switch {
	case text == nil && filter == nil:
		return bleve.NewMatchAllQuery()
	case text == nil:
		return filter
	case filter == nil:
		return text
	}
	b := bleve.NewBooleanQuery()
	b.AddMust(text)
	b.AddFilter(filter)
	return b
}

// textQuery is the scored part of q; nil without text.
func textQuery(q search.Query) query.Query {
	var must []query.Query
	for _, term := range search.Terms(q.Text) {
		var alts []query.Query
		for _, f := range textFields() {
			m := bleve.NewMatchQuery(term)
			m.SetField(f.Name)
			m.SetFuzziness(search.Fuzziness(term))
			m.SetBoost(f.Boost)
			alts = append(alts, m)
		}
		must = append(must, bleve.NewDisjunctionQuery(alts...))
	}
	if len(must) == 0 {
		return nil
	}
	return bleve.NewConjunctionQuery(must...)
}

// filterQuery is the unscored part of q; nil without filters.
func filterQuery(q search.Query) query.Query {
	var must []query.Query
	for _, f := range slices.Sorted(maps.Keys(q.Terms)) {
		var alts []query.Query
		for _, v := range q.Terms[f] {
			t := bleve.NewTermQuery(v)
			t.SetField(f)
			alts = append(alts, t)
		}
		if len(alts) > 0 {
			must = append(must, bleve.NewDisjunctionQuery(alts...))
		}
	}
	price := priceField(q.Currency)
	if q.PriceMin != nil || q.PriceMax != nil || q.Sort == search.PriceAsc || q.Sort == search.PriceDesc {
		var lo, hi *float64
		if q.PriceMin != nil {
			lo = ptr(float64(*q.PriceMin))
		} else {
			lo = ptr(0)
		}
		if q.PriceMax != nil {
			hi = ptr(float64(*q.PriceMax))
		}
		yes := true
		r := bleve.NewNumericRangeInclusiveQuery(lo, hi, &yes, &yes)
		r.SetField(price)
		must = append(must, r)
	}
	if q.RatingMin != nil {
		yes := true
		r := bleve.NewNumericRangeInclusiveQuery(q.RatingMin, nil, &yes, nil)
		r.SetField("rating")
		must = append(must, r)
	}
	if q.InStock != nil {
		b := bleve.NewBoolFieldQuery(*q.InStock)
		b.SetField("in_stock")
		must = append(must, b)
	}
	if len(must) == 0 {
		return nil
	}
	return bleve.NewConjunctionQuery(must...)
}

func ptr(f float64) *float64 { return &f }

// Order is the Bleve sort of a search.Sort; every order ends on the ID so
// that search-after never skips or repeats a tie.
func Order(s search.Sort, c domain.Currency) []string {
	switch s {
	case search.PriceAsc:
		return []string{priceField(c), "_id"}
	case search.PriceDesc:
		return []string{"-" + priceField(c), "_id"}
	case search.Newest:
		return []string{"-listed_at", "_id"}
	case search.TopRated:
		return []string{"-rating", "-ratings", "_id"}
	case search.BestSelling:
		return []string{"-sold", "_id"}
	}
	return []string{"-_score", "_id"}
}

// Request is the whole Bleve request of q, facets included.
func Request(q search.Query) (*bleve.SearchRequest, error) {
	req := bleve.NewSearchRequestOptions(Query(q), q.Limit, 0, false)
	if textQuery(q) == nil {
		// Nothing to score: every match ranks alike (relevance order is then
		// the ID order), and Bleve intersects the filters' bitmaps instead
		// of scoring each posting.
		req.Score = bleve.ScoreNone
	}
	req.SortBy(Order(q.Sort, q.Currency))
	if len(q.After) > 0 {
		after, err := unkeys(q.After)
		if err != nil || len(after) != len(req.Sort) {
			return nil, &domain.Error{Kind: domain.Invalid, Code: search.CodeInvalidQuery, Message: "the cursor does not fit this query",
				Problems: []domain.Problem{{Field: "cursor", Code: domain.ProblemInvalid, Message: "the cursor does not fit this query"}}}
		}
		req.SearchAfter = after
	}
	for _, f := range search.TermFields() {
		req.AddFacet(f, bleve.NewFacetRequest(f, facetSize))
	}
	price := bleve.NewFacetRequest(priceField(q.Currency), len(search.PriceBands()))
	for _, b := range search.PriceBands() {
		b = b.Scale(search.Minor(q.Currency))
		price.AddNumericRange(b.Name, b.Min, b.Max)
	}
	req.AddFacet(search.FacetPrice, price)
	rating := bleve.NewFacetRequest("rating", len(search.RatingBands()))
	for _, b := range search.RatingBands() {
		rating.AddNumericRange(b.Name, b.Min, b.Max)
	}
	req.AddFacet(search.FacetRating, rating)
	req.AddFacet(search.FacetInStock, bleve.NewFacetRequest("in_stock", 2))
	return req, nil
}

// Search answers q.
func (ix *Index) Search(ctx context.Context, q search.Query) (search.Page, error) {
	req, err := Request(q)
	if err != nil {
		return search.Page{}, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	// Facets from the columns in memory (facets.go), not from Bleve: of
	// the filters alone, or of the products Bleve finds for the text.
	var fixed map[string][]search.Bucket
	if answers(q) {
		fixed = ix.read.facets.facetsOf(q)
	} else {
		ids, err := ix.read.matching(ctx, req.Query)
		if err != nil {
			return search.Page{}, err
		}
		fixed = ix.read.facets.facetsOfIDs(ids, q.Currency)
	}
	req.Facets = nil
	res, err := ix.read.ix.SearchInContext(ctx, req)
	if err != nil {
		return search.Page{}, fmt.Errorf("bleve: search: %w", err)
	}
	page := search.Page{Total: int(res.Total), Hits: make([]search.Hit, 0, len(res.Hits)), Facets: fixed}
	if fixed == nil {
		page.Facets = buckets(res.Facets)
	}
	docs, err := ix.read.documents(hitIDs(res.Hits))
	if err != nil {
		return search.Page{}, err
	}
	for i, h := range res.Hits {
		page.Hits = append(page.Hits, search.Hit{Document: docs[i], Score: h.Score, Key: keys(h)})
	}
	search.Paginate(q, &page)
	return page, nil
}

// matching lists the IDs of every product q finds, unscored: Bleve
// intersects the postings' bitmaps, and each match's ID is read once.
func (s *store) matching(ctx context.Context, q query.Query) ([]string, error) {
	adv, err := s.ix.Advanced()
	if err != nil {
		return nil, fmt.Errorf("bleve: matches: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("bleve: matches: %w", err)
	}
	defer r.Close()
	sr, err := q.Searcher(ctx, r, s.ix.Mapping(), bsearch.SearcherOptions{Score: bleve.ScoreNone})
	if err != nil {
		return nil, fmt.Errorf("bleve: matches: %w", err)
	}
	defer sr.Close()
	sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(sr.DocumentMatchPoolSize(), 0)}
	var ids []string
	for {
		m, err := sr.Next(sctx)
		if err != nil {
			return nil, fmt.Errorf("bleve: matches: %w", err)
		}
		if m == nil {
			return ids, ctx.Err()
		}
		id, err := r.ExternalID(m.IndexInternalID)
		if err != nil {
			return nil, fmt.Errorf("bleve: matches: %w", err)
		}
		ids = append(ids, id)
		sctx.DocumentMatchPool.Put(m)
	}
}

// buckets maps Bleve's facet results to the query model's.
func buckets(facets bsearch.FacetResults) map[string][]search.Bucket {
	out := map[string][]search.Bucket{}
	for name, fr := range facets {
		var buckets []search.Bucket
		for _, t := range fr.Terms.Terms() {
			v := t.Term
			if name == search.FacetInStock {
				v = map[string]string{"T": "true", "F": "false"}[v]
			}
			buckets = append(buckets, search.Bucket{Value: v, Count: t.Count})
		}
		for _, r := range fr.NumericRanges {
			if r.Count > 0 {
				buckets = append(buckets, search.Bucket{Value: r.Name, Count: r.Count})
			}
		}
		search.SortBuckets(name, buckets)
		if len(buckets) > 0 {
			out[name] = buckets
		}
	}
	return out
}

// Suggest completes a prefix: every term but the last matched exactly, the
// last as a prefix, in names and brands; best sellers first.
func (ix *Index) Suggest(ctx context.Context, s search.Suggest) ([]search.Suggestion, error) {
	terms := search.Terms(s.Prefix)
	if len(terms) == 0 {
		return nil, nil
	}
	fields := []string{"name_en", "name_ar", "brand_text"}
	var must []query.Query
	for i, t := range terms {
		var alts []query.Query
		for _, f := range fields {
			if i == len(terms)-1 {
				p := bleve.NewPrefixQuery(t)
				p.SetField(f)
				alts = append(alts, p)
			} else {
				tq := bleve.NewTermQuery(t)
				tq.SetField(f)
				alts = append(alts, tq)
			}
		}
		must = append(must, bleve.NewDisjunctionQuery(alts...))
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(must...), s.Limit*4, 0, false)
	req.SortBy([]string{"-sold", "_id"})
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	res, err := ix.read.ix.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("bleve: suggest: %w", err)
	}
	docs, err := ix.read.documents(hitIDs(res.Hits))
	if err != nil {
		return nil, err
	}
	return search.Suggestions(s, docs), nil
}

func hitIDs(hits []*bsearch.DocumentMatch) []string {
	out := make([]string, 0, len(hits))
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}
