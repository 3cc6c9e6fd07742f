package readapi

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections/scent"
)

// maxImage bounds an uploaded image for image similarity.
const maxImage = 5 << 20

// scentRoutes serve scent match. Similar products, a described scent and
// image match are public; recommendations are the caller's own.
func (s *Server) scentRoutes() {
	sc := s.deps.Scent
	if sc == nil {
		return
	}
	s.public([]string{scent.View()}, httpx.Operation{Method: http.MethodGet, Path: "/v1/products/{id}/similar", ID: "similarProducts", Tag: "scent",
		Summary: "The 20 (?limit up to 50) products nearest this one by scent vector, sharing a top note where enough do, re-ranked: " +
			"in stock first, the marketplace's own brands lifted, the same price band (in ?currency, default AED) preferred. " +
			"Each answer has its cosine (score), its rank and the rules that lifted it (reasons).",
		Errors: []int{http.StatusBadRequest, http.StatusNotFound}},
		func(ctx context.Context, r *http.Request) (any, error) {
			k, err := limit(r, 20, 50)
			if err != nil {
				return nil, err
			}
			c := domain.Currency(r.URL.Query().Get("currency"))
			if c == "" {
				c = domain.AED
			}
			if !c.Valid() {
				return nil, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadParameter, Detail: "currency must be AED, SAR, KWD, BHD or OMR"}
			}
			list, err := sc.Similar(ctx, mux.Vars(r)["id"], c, k)
			return map[string]any{"items": list}, err
		})
	s.public([]string{scent.View()}, httpx.Operation{Method: http.MethodGet, Path: "/v1/scents/match", ID: "matchScent", Tag: "scent",
		Summary: "Products nearest a described scent, in the same vector space as the products': notes (any position), top, heart, base, " +
			"accords (repeat or comma-separate values), oud_type; filters category, gender, brand, in_stock=true; limit (default 20, up to 50).",
		Errors: []int{http.StatusBadRequest}},
		func(ctx context.Context, r *http.Request) (any, error) {
			k, err := limit(r, 20, 50)
			if err != nil {
				return nil, err
			}
			q := r.URL.Query()
			var bad []string
			list := func(name string) []string {
				var out []string
				for _, v := range q[name] {
					for _, x := range strings.Split(v, ",") {
						if x = strings.TrimSpace(x); x != "" {
							out = append(out, x)
						}
					}
				}
				if len(out) > 20 || len(strings.Join(out, "")) > 400 {
					bad = append(bad, name)
				}
				return out
			}
			p := scent.Profile{Notes: list("notes"), Top: list("top"), Heart: list("heart"), Base: list("base"), Accords: list("accords"), OudType: q.Get("oud_type")}
			f := scent.Filter{Category: q.Get("category"), Gender: q.Get("gender"), Brand: q.Get("brand"), InStock: q.Get("in_stock") == "true"}
			if len(bad) > 0 {
				return nil, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadParameter, Detail: "at most 20 values of 400 bytes in all for: " + strings.Join(bad, ", ")}
			}
			res, err := sc.Describe(ctx, p, f, k)
			return map[string]any{"items": res}, err
		})
	s.public(nil, httpx.Operation{Method: http.MethodPost, Path: "/v1/images/match", ID: "matchImage", Tag: "scent",
		Summary: "Products whose images look like the uploaded one (body: a JPEG, PNG or WebP image up to 5 MiB), through the image " +
			"embedder (SOUQ_EMBEDDER_URL). Without one the feature is off: 503 with code feature.disabled, never an empty list.",
		Errors: []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable}},
		func(ctx context.Context, r *http.Request) (any, error) {
			if !sc.ImagesEnabled() {
				return sc.ImageMatch(ctx, scent.Image{}, 0) // the feature.disabled problem
			}
			k, err := limit(r, 20, 50)
			if err != nil {
				return nil, err
			}
			data, err := io.ReadAll(io.LimitReader(r.Body, maxImage+1))
			if err != nil {
				return nil, err
			}
			if len(data) > maxImage {
				return nil, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadParameter, Detail: "the image is over 5 MiB"}
			}
			res, err := sc.ImageMatch(ctx, scent.Image{Data: data, ContentType: r.Header.Get("Content-Type")}, k)
			return map[string]any{"items": res}, err
		})
	s.Handle(Route{Op: httpx.Operation{Path: "/v1/me/recommendations", ID: "myRecommendations", Tag: "scent",
		Summary: "Recommended for you: products nearest the caller's own preference vector (the mean of the scent vectors of what they " +
			"bought, each purchase's weight halving every 90 days), leaving out what they bought; limit (default 20, up to 50). Customers only."},
		Roles: []auth.Role{auth.Customer}, Views: []string{scent.View()},
		Read: func(ctx context.Context, c *Call) (any, error) {
			k, err := c.Limit(20, 50)
			if err != nil {
				return nil, err
			}
			list, err := sc.Recommend(ctx, c.Caller.UserID, k)
			return map[string]any{"items": list}, err
		}})
}

func limit(r *http.Request, def, max int) (int, error) {
	return (&Call{Query: r.URL.Query()}).Limit(def, max)
}
