package readapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections/search"
)

// searchRoutes are public: a shopper searches before signing in.
func (s *Server) searchRoutes() {
	sr := s.deps.Search
	if sr == nil {
		return
	}
	s.public(httpx.Operation{Method: http.MethodGet, Path: "/v1/products/search", ID: "searchProducts", Tag: "search",
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
	s.public(httpx.Operation{Method: http.MethodGet, Path: "/v1/products/suggest", ID: "suggestProducts", Tag: "search",
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

// public registers a read without authentication, still honouring
// X-Souq-Min-Position for the search view. Answers are the same for every
// caller, so shared caches may keep them briefly.
func (s *Server) public(op httpx.Operation, read func(ctx context.Context, r *http.Request) (any, error)) {
	s.api.Handle(op, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		behind, err := s.wait(r, []string{search.View()})
		if err == nil {
			var v any
			if v, err = read(r.Context(), r); err == nil {
				var body []byte
				if body, err = json.Marshal(v); err == nil {
					h := w.Header()
					h.Set("Content-Type", "application/json")
					h.Set("Cache-Control", "public, max-age=5")
					h.Set("Content-Length", strconv.Itoa(len(body)+1))
					if behind {
						h.Set(HeaderBehind, "true")
					}
					w.WriteHeader(http.StatusOK)
					_, _ = w.Write(append(body, '\n'))
					return
				}
			}
		}
		s.api.Renderer().Error(w, r, err)
	}))
}
