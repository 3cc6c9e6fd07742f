package scent_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/projections/scent"
	"github.com/souq-market/souq/projections/scent/memindex"
	"github.com/souq-market/souq/projections/scent/scenttest"
)

var ctx = context.Background()

func hit(id string, score float64, p scent.Payload) scent.Hit {
	return scent.Hit{Point: scent.Point{ID: id, Payload: p}, Score: score}
}

func ids(ms []scent.Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// Each rule, proven by a case where it alone changes the order.
func TestRules(t *testing.T) {
	r := scent.DefaultRules("Souq Maison")
	aed := func(major int64) map[string]int64 { return map[string]int64{"AED": major * 100} }
	ref := scent.Reference{Currency: domain.AED, Price: 300_00, Has: true}

	t.Run("in stock first, even far below", func(t *testing.T) {
		got := r.Rank([]scent.Hit{hit("closest", 0.99, scent.Payload{}), hit("far", 0.05, scent.Payload{InStock: true})}, scent.Reference{}, 2)
		if !slices.Equal(ids(got), []string{"far", "closest"}) || !slices.Equal(got[0].Reasons, []string{scent.ReasonInStock}) {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("own brand lifts over a slightly closer match, not a much closer one", func(t *testing.T) {
		got := r.Rank([]scent.Hit{hit("other", 0.90, scent.Payload{InStock: true, Brand: "Dar Al Oud"}),
			hit("house", 0.80, scent.Payload{InStock: true, Brand: "souq maison"})}, scent.Reference{}, 2)
		if !slices.Equal(ids(got), []string{"house", "other"}) || !slices.Contains(got[0].Reasons, scent.ReasonOwnBrand) {
			t.Fatalf("%+v", got)
		}
		got = r.Rank([]scent.Hit{hit("other", 0.90, scent.Payload{InStock: true}),
			hit("house", 0.70, scent.Payload{InStock: true, Brand: "Souq Maison"})}, scent.Reference{}, 2)
		if !slices.Equal(ids(got), []string{"other", "house"}) {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("same price band preferred", func(t *testing.T) {
		hits := []scent.Hit{hit("cheap", 0.85, scent.Payload{InStock: true, Prices: aed(90)}),
			hit("same band", 0.80, scent.Payload{InStock: true, Prices: aed(450)})}
		got := r.Rank(hits, ref, 2)
		if !slices.Equal(ids(got), []string{"same band", "cheap"}) || !slices.Contains(got[0].Reasons, scent.ReasonPriceBand) {
			t.Fatalf("%+v", got)
		}
		if got := r.Rank(hits, scent.Reference{}, 2); got[0].ID != "cheap" {
			t.Fatalf("without a reference price the band rule must not apply: %+v", got)
		}
		other := scent.Reference{Currency: domain.SAR, Price: 300_00, Has: true} // no SAR prices: no band
		if got := r.Rank(hits, other, 2); got[0].ID != "cheap" {
			t.Fatalf("a band in another currency: %+v", got)
		}
	})
	t.Run("order is total", func(t *testing.T) {
		got := r.Rank([]scent.Hit{hit("b", 0.5, scent.Payload{}), hit("a", 0.5, scent.Payload{}), hit("c", 0.6, scent.Payload{})}, scent.Reference{}, 2)
		if !slices.Equal(ids(got), []string{"c", "a"}) {
			t.Fatalf("%+v", got)
		}
	})
}

func catalogIndex(t testing.TB, n int) (*memindex.Index, []scent.Point) {
	ix := memindex.New(scent.Dim)
	pts := scenttest.Catalog(n)
	if err := ix.Upsert(ctx, pts); err != nil {
		t.Fatal(err)
	}
	return ix, pts
}

// On a generated catalog, similar answers 20 products, each sharing a top
// note with the query product, and never the product itself.
func TestSimilarSharesTopNotes(t *testing.T) {
	ix, pts := catalogIndex(t, 3000)
	rd := scent.NewReader(ix, scent.DefaultRules(), nil)
	for _, q := range pts[:50] {
		got, err := rd.Similar(ctx, q.ID, domain.AED, 20)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 20 {
			t.Fatalf("%s: %d answers", q.ID, len(got))
		}
		for _, m := range got {
			if m.ID == q.ID {
				t.Fatalf("%s is similar to itself", q.ID)
			}
			if !slices.ContainsFunc(m.Top, func(n string) bool { return slices.Contains(q.Payload.Top, n) }) {
				t.Fatalf("%s (top %v): %s has top notes %v", q.ID, q.Payload.Top, m.ID, m.Top)
			}
		}
	}
	if _, err := rd.Similar(ctx, "p-unknown", domain.AED, 20); domain.KindOf(err) != domain.NotFound {
		t.Fatalf("unknown product: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	ix, _ := catalogIndex(t, 1000)
	rd := scent.NewReader(ix, scent.DefaultRules(), nil)
	got, err := rd.Describe(ctx, scent.Profile{Notes: []string{"oud"}, Accords: []string{"smoky"}}, scent.Filter{}, 10)
	if err != nil || len(got) != 10 {
		t.Fatalf("%d, %v", len(got), err)
	}
	for _, m := range got {
		p, _ := ix.Get(ctx, []string{m.ID})
		if c := scent.Cosine(p[m.ID].Vector, scent.Vectorize(scent.Profile{Base: []string{"oud"}})); c == 0 {
			t.Fatalf("%s has no oud", m.ID)
		}
	}
	if _, err := rd.Describe(ctx, scent.Profile{}, scent.Filter{}, 10); domain.KindOf(err) != domain.Invalid {
		t.Fatalf("an empty description: %v", err)
	}
}

// The preference vector is the decayed mean: a recent purchase outweighs an
// old one; bought products are left out; no purchases, no guesses.
func TestRecommend(t *testing.T) {
	ix := memindex.New(scent.Dim)
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	oud := scent.Profile{Base: []string{"oud"}, Accords: []string{"woody"}}
	citrus := scent.Profile{Top: []string{"lemon"}, Accords: []string{"citrus"}}
	pt := func(id string, p scent.Profile) scent.Point {
		return scent.Point{ID: id, Vector: scent.Vectorize(p), Payload: scent.Payload{InStock: true}}
	}
	if err := ix.Upsert(ctx, []scent.Point{pt("bought-oud", oud), pt("bought-citrus", citrus), pt("oud-2", oud), pt("citrus-2", citrus)}); err != nil {
		t.Fatal(err)
	}
	bought := map[string][]scent.Purchase{"c1": {{ProductID: "bought-oud", At: now.AddDate(0, 0, -400)}, {ProductID: "bought-citrus", At: now.AddDate(0, 0, -3)}}}
	rd := scent.NewReader(ix, scent.DefaultRules(), func(_ context.Context, c string) ([]scent.Purchase, error) { return bought[c], nil })
	rd.Now = func() time.Time { return now }
	got, err := rd.Recommend(ctx, "c1", 2)
	if err != nil || !slices.Equal(ids(got), []string{"citrus-2", "oud-2"}) {
		t.Fatalf("recent citrus should lead: %v %v", ids(got), err)
	}
	bought["c1"][0].At, bought["c1"][1].At = now.AddDate(0, 0, -1), now.AddDate(0, 0, -400)
	if got, _ := rd.Recommend(ctx, "c1", 2); !slices.Equal(ids(got), []string{"oud-2", "citrus-2"}) {
		t.Fatalf("recent oud should lead: %v", ids(got))
	}
	if got, err := rd.Recommend(ctx, "nobody", 2); err != nil || len(got) != 0 {
		t.Fatalf("no purchases: %v %v", got, err)
	}
}

func TestImageMatchOffWithoutEmbedder(t *testing.T) {
	rd := scent.NewReader(memindex.New(scent.Dim), scent.DefaultRules(), nil)
	_, err := rd.ImageMatch(ctx, scent.Image{Data: []byte{1}}, 5)
	if domain.KindOf(err) != domain.Unavailable || domain.CodeOf(err) != scent.CodeFeatureDisabled || rd.ImagesEnabled() {
		t.Fatalf("%v", err)
	}
}

func TestHTTPEmbedder(t *testing.T) {
	var got map[string]any
	status, dim := http.StatusOK, scent.ImageDim
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/embed" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request shape", 400)
			return
		}
		got = nil
		_ = json.NewDecoder(r.Body).Decode(&got)
		v := make([]float32, dim)
		v[0], v[1] = 3, 4
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"model": "clip-vit-b-32", "dim": dim, "embeddings": [][]float32{v}})
	}))
	defer srv.Close()
	e := scent.NewHTTPEmbedder(srv.URL + "/")
	v, err := e.Embed(ctx, scent.Image{Data: []byte("\xff\xd8jpeg"), ContentType: "image/jpeg"})
	if err != nil {
		t.Fatal(err)
	}
	in := got["inputs"].([]any)[0].(map[string]any)
	if got["model"] != "clip" || in["image"] != base64.StdEncoding.EncodeToString([]byte("\xff\xd8jpeg")) || in["content_type"] != "image/jpeg" {
		t.Fatalf("request %v", got)
	}
	if len(v) != scent.ImageDim || v[0] != 0.6 || v[1] != 0.8 {
		t.Fatalf("not the normalised embedding: %v", v[:2])
	}
	dim = 384
	if _, err := e.Embed(ctx, scent.Image{Data: []byte{1}}); !errors.Is(err, scent.ErrEmbedder) {
		t.Fatalf("a wrong dimension: %v", err)
	}
	dim, status = scent.ImageDim, http.StatusServiceUnavailable
	if _, err := e.Embed(ctx, scent.Image{Data: []byte{1}}); !errors.Is(err, scent.ErrEmbedder) || domain.KindOf(err) != domain.Unavailable {
		t.Fatalf("a 503: %v", err)
	}
	if _, err := e.Embed(ctx, scent.Image{}); domain.KindOf(err) != domain.Invalid {
		t.Fatalf("an empty image: %v", err)
	}
}

// The model service is outside input: every answer out of shape is an
// ErrEmbedder, never a vector; only a refusal of the image is
// ErrImageRefused, only an overload Unavailable.
func TestHTTPEmbedderHostileAnswers(t *testing.T) {
	vec := func(n int, x string) string {
		return `{"dim":` + strconv.Itoa(n) + `,"embeddings":[[` + strings.TrimSuffix(strings.Repeat(x+",", n), ",") + `]]}`
	}
	for _, c := range []struct {
		name    string
		status  int
		body    string
		refused bool
		busy    bool
	}{
		{"not json", 200, `<html>`, false, false},
		{"empty", 200, ``, false, false},
		{"no embeddings", 200, `{"dim":512,"embeddings":[]}`, false, false},
		{"two embeddings", 200, `{"dim":512,"embeddings":[[1],[2]]}`, false, false},
		{"dim lies", 200, `{"dim":512,"embeddings":[[1,2,3]]}`, false, false},
		{"short", 200, vec(511, "1"), false, false},
		{"long", 200, vec(513, "1"), false, false},
		{"overflow", 200, vec(512, "1e39"), false, false},
		{"strings", 200, vec(512, `"1"`), false, false},
		{"over 1 MB", 200, vec(512, "1"+strings.Repeat("0", 2100)+"e-2100"), false, false},
		{"bad image", 400, `cannot decode`, true, false},
		{"too large", 413, ``, true, false},
		{"media type", 415, ``, true, false},
		{"unprocessable", 422, `{"error":"not an image"}`, true, false},
		{"overloaded", 429, ``, false, true},
		{"loading", 503, ``, false, true},
		{"server error", 500, `panic`, false, false},
		{"not found", 404, ``, false, false},
		{"redirect", 302, ``, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(c.status)
				_, _ = io.WriteString(w, c.body)
			}))
			defer srv.Close()
			v, err := scent.NewHTTPEmbedder(srv.URL).Embed(ctx, scent.Image{Data: []byte("\xff\xd8"), ContentType: "image/jpeg"})
			if v != nil || !errors.Is(err, scent.ErrEmbedder) {
				t.Fatalf("%v, %v", v, err)
			}
			if errors.Is(err, scent.ErrImageRefused) != c.refused || (domain.KindOf(err) == domain.Unavailable) != c.busy {
				t.Fatalf("refused %v, unavailable %v: %v", errors.Is(err, scent.ErrImageRefused), domain.KindOf(err) == domain.Unavailable, err)
			}
		})
	}

}
