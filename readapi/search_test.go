package readapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/projections/search"
)

// searcher answers with what it was asked, so the test sees the query the
// route parsed.
type searcher struct{ got search.Query }

func (s *searcher) Search(_ context.Context, q search.Query) (search.Page, error) {
	s.got = q
	return search.Page{Total: 1, Hits: []search.Hit{{Document: search.Document{ID: "p-1", NameEN: "Royal Oud"}}},
		Facets: map[string][]search.Bucket{"category": {{Value: "oud", Count: 1}}}}, nil
}

func (s *searcher) Suggest(_ context.Context, q search.Suggest) ([]search.Suggestion, error) {
	return []search.Suggestion{{Text: "Royal Oud", ProductID: "p-1"}}, nil
}

func (s *searcher) Ping(context.Context) error { return nil }

// TestSearchRoutes: public, parsed into the one query model, every bad
// parameter listed in one 400, documented in /openapi.json.
func TestSearchRoutes(t *testing.T) {
	sr := &searcher{}
	api, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(), Search: sr})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		api.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.String()
	}
	code, body := get("/v1/products/search?q=oud&type=original&price_max=500&category=oud,attar&sort=price_asc")
	if code != 200 || !strings.Contains(body, `"name_en":"Royal Oud"`) || !strings.Contains(body, `"facets":{"category":[{"value":"oud","count":1}]}`) {
		t.Fatalf("search: %d %s", code, body)
	}
	if q := sr.got; q.Text != "oud" || *q.PriceMax != 50000 || len(q.Terms["category"]) != 2 || q.Sort != search.PriceAsc {
		t.Fatalf("parsed %+v", q)
	}
	code, body = get("/v1/products/search?price_max=abc&sort=cheapest&colour=red&limit=0")
	var p struct {
		Code     string           `json:"code"`
		Problems []map[string]any `json:"problems"`
	}
	_ = json.Unmarshal([]byte(body), &p)
	fields := map[string]bool{}
	for _, x := range p.Problems {
		fields[x["field"].(string)] = true
	}
	if code != 400 && code != 422 || p.Code != search.CodeInvalidQuery || !fields["price_max"] || !fields["sort"] || !fields["colour"] || !fields["limit"] {
		t.Fatalf("bad query: %d %s", code, body)
	}
	if code, body = get("/v1/products/suggest?prefix=roy"); code != 200 || !strings.Contains(body, `"suggestions":[{"text":"Royal Oud"`) {
		t.Fatalf("suggest: %d %s", code, body)
	}
	if code, _ = get("/v1/products/suggest?prefix=%20"); code != 400 && code != 422 {
		t.Fatalf("empty prefix: %d", code)
	}
	if _, body = get("/openapi.json"); !strings.Contains(body, `"/v1/products/search"`) || !strings.Contains(body, `"/v1/products/suggest"`) {
		t.Fatal("the routes are not in /openapi.json")
	}
}
