package readapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/projections/scent"
	"github.com/souq-market/souq/projections/scent/memindex"
	"github.com/souq-market/souq/projections/scent/scenttest"
)

// TestScentRoutes runs the scent routes over a real in-process index of a
// generated catalog: similar is public and answers 20 sharing a top note;
// match parses its lists; image match says the feature is off (503
// feature.disabled); recommendations are customers' own.
func TestScentRoutes(t *testing.T) {
	ix := memindex.New(scent.Dim)
	pts := scenttest.Catalog(600)
	if err := ix.Upsert(context.Background(), pts); err != nil {
		t.Fatal(err)
	}
	bought := map[string][]scent.Purchase{"c-1": {{ProductID: pts[3].ID, At: time.Now().Add(-time.Hour)}}}
	rd := scent.NewReader(ix, scent.DefaultRules(), func(_ context.Context, c string) ([]scent.Purchase, error) { return bought[c], nil })
	callers := map[string]auth.Actor{"c1": {UserID: "c-1", Role: auth.Customer}, "v1": {UserID: "v", Role: auth.Vendor, VendorID: "v-1"}}
	api, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(), Scent: rd,
		Verify: auth.VerifierFunc(func(_ context.Context, token string) (auth.Actor, error) {
			if c, ok := callers[token]; ok {
				return c, nil
			}
			return auth.Actor{}, errors.New("unknown token")
		})})
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path, token string) (int, string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(method, path, strings.NewReader("\xff\xd8jpeg"))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		api.Handler().ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	var page struct {
		Items []scent.Match `json:"items"`
	}
	code, body := do("GET", "/v1/products/"+pts[0].ID+"/similar", "")
	if err := json.Unmarshal([]byte(body), &page); code != 200 || err != nil || len(page.Items) != 20 {
		t.Fatalf("similar: %d %s", code, body)
	}
	for _, m := range page.Items {
		if m.ID == pts[0].ID || !strings.Contains(strings.Join(pts[0].Payload.Top, ","), firstShared(m.Top, pts[0].Payload.Top)) {
			t.Fatalf("similar answered %+v for top %v", m, pts[0].Payload.Top)
		}
	}
	if code, body = do("GET", "/v1/products/p-nope/similar", ""); code != 404 || !strings.Contains(body, scent.CodeUnknownProduct) {
		t.Fatalf("unknown product: %d %s", code, body)
	}
	if code, _ = do("GET", "/v1/products/"+pts[0].ID+"/similar?currency=XYZ", ""); code != 400 && code != 422 {
		t.Fatalf("bad currency: %d", code)
	}
	code, body = do("GET", "/v1/scents/match?notes=oud,saffron&accords=smoky&limit=5", "")
	if err := json.Unmarshal([]byte(body), &page); code != 200 || err != nil || len(page.Items) != 5 {
		t.Fatalf("match: %d %s", code, body)
	}
	if code, _ = do("GET", "/v1/scents/match", ""); code != 400 && code != 422 {
		t.Fatalf("an empty description: %d", code)
	}
	if code, body = do("POST", "/v1/images/match", ""); code != 503 || !strings.Contains(body, `"code":"feature.disabled"`) {
		t.Fatalf("image match without an embedder: %d %s", code, body)
	}
	if code, _ = do("GET", "/v1/me/recommendations", ""); code != 401 {
		t.Fatalf("recommendations without a token: %d", code)
	}
	if code, _ = do("GET", "/v1/me/recommendations", "v1"); code != 403 {
		t.Fatalf("a vendor's recommendations: %d", code)
	}
	code, body = do("GET", "/v1/me/recommendations?limit=7", "c1")
	if err := json.Unmarshal([]byte(body), &page); code != 200 || err != nil || len(page.Items) != 7 {
		t.Fatalf("recommendations: %d %s", code, body)
	}
	for _, m := range page.Items {
		if m.ID == pts[3].ID {
			t.Fatal("a bought product was recommended")
		}
	}
	if _, body = do("GET", "/openapi.json", ""); !strings.Contains(body, `"/v1/products/{id}/similar"`) || !strings.Contains(body, `"/v1/me/recommendations"`) {
		t.Fatal("the routes are not in /openapi.json")
	}
}

func firstShared(a, b []string) string {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return x
			}
		}
	}
	return "\x00none"
}
