package readapi

import (
	"context"
	"net/http"

	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections/search"
)

// searchRoutes are public: a shopper searches before signing in.
func (s *Server) searchRoutes() {
	sr := s.deps.Search
	if sr == nil {
		return
	}
	s.public([]string{search.View()}, httpx.Operation{Method: http.MethodGet, Path: "/v1/products/search", ID: "searchProducts", Tag: "search",
		Summary: "Search products: q (English or Arabic, typos forgiven); filters category, brand, vendor, concentration, gender, type (original, inspired_by), " +
			"top, heart, base, accord, oud_type, season, occasion, longevity, sillage, size (repeat or comma-separate values), currency with price_min/price_max, " +
			"rating_min, in_stock; sort relevance, price_asc, price_desc, newest, rating, best_selling; limit; cursor from next. Facet counts for every filter.",
		Errors: []int{http.StatusBadRequest}},
		func(ctx context.Context, r *http.Request) (any, error) {
			q, err := search.Parse(r.URL.Query())
			if err != nil {
				return nil, err
			}
			return sr.Search(ctx, q)
		})
	s.public([]string{search.View()}, httpx.Operation{Method: http.MethodGet, Path: "/v1/products/suggest", ID: "suggestProducts", Tag: "search",
		Summary: "Complete a prefix (?prefix, ?limit up to 20) with product names in the prefix's script, best sellers first.",
		Errors:  []int{http.StatusBadRequest}},
		func(ctx context.Context, r *http.Request) (any, error) {
			q, err := search.ParseSuggest(r.URL.Query())
			if err != nil {
				return nil, err
			}
			list, err := sr.Suggest(ctx, q)
			return map[string]any{"suggestions": list}, err
		})
}

// public registers a read without authentication that honours
// X-Souq-Min-Position for the views given. Answers are the same for every
// caller, so shared caches may keep them briefly.
func (s *Server) public(views []string, op httpx.Operation, read func(ctx context.Context, r *http.Request) (any, error)) {
	s.api.Handle(op, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		behind, err := s.wait(r, views)
		var v any
		if err == nil {
			v, err = read(r.Context(), r)
		}
		if err == nil {
			err = answer(w, r, v, "public, max-age=5", behind)
		}
		if err != nil {
			s.api.Renderer().Error(w, r, err)
		}
	}))
}
