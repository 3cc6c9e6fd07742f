package elastic

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/projections/search"
)

// facetSize bounds the buckets of a term facet, as in the Bleve backend.
const facetSize = 100

// queryOf is the query of q: text terms ANDed (each matching any text
// field with its fuzziness and boost), term filters ORed within a field
// and ANDed across, ranges; a price sort keeps only products sold in the
// currency. Filters go in filter context: cached, not scored.
func queryOf(q search.Query) obj {
	must := []any{}
	for _, term := range search.Terms(q.Text) {
		var alts []any
		for _, f := range textFields() {
			alts = append(alts, obj{"match": obj{f.Name: obj{
				"query": term, "fuzziness": search.Fuzziness(term), "fuzzy_transpositions": false, "boost": f.Boost,
			}}})
		}
		must = append(must, obj{"bool": obj{"should": alts, "minimum_should_match": 1}})
	}
	filter := []any{}
	for _, f := range slices.Sorted(maps.Keys(q.Terms)) {
		if len(q.Terms[f]) > 0 {
			filter = append(filter, obj{"terms": obj{f: q.Terms[f]}})
		}
	}
	if q.PriceMin != nil || q.PriceMax != nil || q.Sort == search.PriceAsc || q.Sort == search.PriceDesc {
		r := obj{"gte": int64(0)}
		if q.PriceMin != nil {
			r["gte"] = *q.PriceMin
		}
		if q.PriceMax != nil {
			r["lte"] = *q.PriceMax
		}
		filter = append(filter, obj{"range": obj{priceField(q.Currency): r}})
	}
	if q.RatingMin != nil {
		filter = append(filter, obj{"range": obj{"rating": obj{"gte": *q.RatingMin}}})
	}
	if q.InStock != nil {
		filter = append(filter, obj{"term": obj{"in_stock": *q.InStock}})
	}
	if len(must) == 0 && len(filter) == 0 {
		return obj{"match_all": obj{}}
	}
	b := obj{}
	if len(must) > 0 {
		b["must"] = must
	}
	if len(filter) > 0 {
		b["filter"] = filter
	}
	return obj{"bool": b}
}

// order is the sort of s; every order ends on the ID so that search_after
// never skips or repeats a tie (sorting on _id needs fielddata, which
// Elasticsearch 8 turns off: the id keyword field is the tiebreaker).
func order(s search.Sort, c domain.Currency) []any {
	key := func(field, dir string) obj { return obj{field: obj{"order": dir}} }
	id := key("id", "asc")
	switch s {
	case search.PriceAsc:
		return []any{key(priceField(c), "asc"), id}
	case search.PriceDesc:
		return []any{key(priceField(c), "desc"), id}
	case search.Newest:
		return []any{key("listed_at", "desc"), id}
	case search.TopRated:
		return []any{key("rating", "desc"), key("ratings", "desc"), id}
	case search.BestSelling:
		return []any{key("sold", "desc"), id}
	}
	return []any{key("_score", "desc"), id}
}

// aggs are the facets: every term field, price and rating bands, in stock.
func aggs(c domain.Currency) obj {
	out := obj{}
	for _, f := range search.TermFields() {
		out[f] = obj{"terms": obj{"field": f, "size": facetSize}}
	}
	bands := func(field string, bs []search.Band, scale float64) obj {
		var ranges []any
		for _, b := range bs {
			b = b.Scale(scale)
			r := obj{"key": b.Name}
			if b.Min != nil {
				r["from"] = *b.Min
			}
			if b.Max != nil {
				r["to"] = *b.Max
			}
			ranges = append(ranges, r)
		}
		return obj{"range": obj{"field": field, "ranges": ranges}}
	}
	out[search.FacetPrice] = bands(priceField(c), search.PriceBands(), search.Minor(c))
	out[search.FacetRating] = bands("rating", search.RatingBands(), 1)
	out[search.FacetInStock] = obj{"terms": obj{"field": "in_stock", "size": 2}}
	return out
}

// searchBody is the whole _search request of q.
func searchBody(q search.Query) obj {
	body := obj{
		"size":             q.Limit,
		"track_total_hits": true,
		"_source":          []string{"doc"},
		"query":            queryOf(q),
		"sort":             order(q.Sort, q.Currency),
		"aggs":             aggs(q.Currency),
	}
	if len(q.After) > 0 {
		body["search_after"] = q.After
	}
	return body
}

type hit struct {
	Score  *float64 `json:"_score"`
	Source struct {
		Doc search.Document `json:"doc"`
	} `json:"_source"`
	Sort []json.RawMessage `json:"sort"`
}

type bucket struct {
	Key         json.RawMessage `json:"key"`
	KeyAsString string          `json:"key_as_string"`
	Count       int             `json:"doc_count"`
}

type searchAnswer struct {
	Hits struct {
		Total struct {
			Value int `json:"value"`
		} `json:"total"`
		Hits []hit `json:"hits"`
	} `json:"hits"`
	Aggregations map[string]struct {
		Buckets []bucket `json:"buckets"`
	} `json:"aggregations"`
}

func (ix *Index) search(ctx context.Context, what string, body obj, cursor bool) (searchAnswer, error) {
	var res searchAnswer
	status, raw, err := ix.do(ctx, http.MethodPost, "/"+ix.alias+"/_search", nil, body)
	if err != nil {
		return res, err
	}
	if status == http.StatusBadRequest && cursor {
		// A cursor our API wrote for this query always fits; a 400 with
		// search_after is a cursor of another mapping version.
		return res, &domain.Error{Kind: domain.Invalid, Code: search.CodeInvalidQuery, Message: "the cursor does not fit this query",
			Problems: []domain.Problem{{Field: "cursor", Code: domain.ProblemInvalid, Message: "the cursor does not fit this query"}}}
	}
	if status >= 300 {
		return res, fmt.Errorf("elastic: %s: %w", what, answer(status, raw))
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return res, fmt.Errorf("elastic: %s answer: %w", what, err)
	}
	return res, nil
}

// Search answers q.
func (ix *Index) Search(ctx context.Context, q search.Query) (search.Page, error) {
	body := searchBody(q)
	if len(q.After) > 0 && len(q.After) != len(order(q.Sort, q.Currency)) {
		return search.Page{}, &domain.Error{Kind: domain.Invalid, Code: search.CodeInvalidQuery, Message: "the cursor does not fit this query",
			Problems: []domain.Problem{{Field: "cursor", Code: domain.ProblemInvalid, Message: "the cursor does not fit this query"}}}
	}
	res, err := ix.search(ctx, "search", body, len(q.After) > 0)
	if err != nil {
		return search.Page{}, err
	}
	page := search.Page{Total: res.Hits.Total.Value, Hits: make([]search.Hit, 0, len(res.Hits.Hits)), Facets: map[string][]search.Bucket{}}
	for _, h := range res.Hits.Hits {
		out := search.Hit{Document: h.Source.Doc, Key: h.Sort}
		if h.Score != nil {
			out.Score = *h.Score
		}
		page.Hits = append(page.Hits, out)
	}
	for name, agg := range res.Aggregations {
		var buckets []search.Bucket
		for _, b := range agg.Buckets {
			if b.Count == 0 {
				continue // range buckets come back empty too; terms ones never do
			}
			v := b.KeyAsString // booleans: "true"/"false"
			if v == "" {
				if err := json.Unmarshal(b.Key, &v); err != nil {
					return search.Page{}, fmt.Errorf("elastic: facet %s: key %s: %w", name, b.Key, err)
				}
			}
			buckets = append(buckets, search.Bucket{Value: v, Count: b.Count})
		}
		search.SortBuckets(name, buckets)
		if len(buckets) > 0 {
			page.Facets[name] = buckets
		}
	}
	search.Paginate(q, &page)
	return page, nil
}

// suggestBody: every term but the last matched exactly, the last as a
// prefix (served by index_prefixes), in names and brands; best sellers
// first. Terms are folded in Go as the analyzer folds them.
func suggestBody(s search.Suggest) obj {
	terms := search.Terms(s.Prefix)
	var must []any
	for i, t := range terms {
		var alts []any
		for _, f := range textFields() {
			if !f.Prefixed {
				continue
			}
			if i == len(terms)-1 {
				alts = append(alts, obj{"prefix": obj{f.Name: obj{"value": t}}})
			} else {
				alts = append(alts, obj{"term": obj{f.Name: obj{"value": t}}})
			}
		}
		must = append(must, obj{"bool": obj{"should": alts, "minimum_should_match": 1}})
	}
	return obj{
		"size":    s.Limit * 4,
		"_source": []string{"doc"},
		"query":   obj{"bool": obj{"must": must}},
		"sort":    order(search.BestSelling, domain.AED),
	}
}

// Suggest completes a prefix.
func (ix *Index) Suggest(ctx context.Context, s search.Suggest) ([]search.Suggestion, error) {
	if len(search.Terms(s.Prefix)) == 0 {
		return nil, nil
	}
	res, err := ix.search(ctx, "suggest", suggestBody(s), false)
	if err != nil {
		return nil, err
	}
	docs := make([]search.Document, 0, len(res.Hits.Hits))
	for _, h := range res.Hits.Hits {
		docs = append(docs, h.Source.Doc)
	}
	return search.Suggestions(s, docs), nil
}
