package readapi

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections/products/productq"
)

// ProductDetails answers the product page (productq.Cached).
type ProductDetails interface {
	Get(ctx context.Context, id string) (productq.Detail, error)
}

// productRoutes serve the product page: public, read through the cache,
// with the stock of each SKU now. X-Souq-Min-Position waits for the
// products view and the cache's projector, so after a reprice the next
// read shows the new price. Answers carry an ETag and no-cache: a client
// revalidates (304) rather than show a price it kept.
func (s *Server) productRoutes() {
	pd := s.deps.Products
	if pd == nil {
		return
	}
	views := []string{productq.View, productq.CacheView}
	s.api.Handle(httpx.Operation{Method: http.MethodGet, Path: "/v1/products/{id}", ID: "getProduct", Tag: "products",
		Summary: "A product: details, each size with its prices and the units available now, on sale or delisted. " +
			"Cached for 5 minutes and invalidated by every product event; stock is live.",
		Errors: []int{http.StatusBadRequest, http.StatusNotFound}},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := s.product(w, r, pd, views); err != nil {
				s.api.Renderer().Error(w, r, err)
			}
		}))
}

func (s *Server) product(w http.ResponseWriter, r *http.Request, pd ProductDetails, views []string) error {
	behind, err := s.wait(r, views)
	if err != nil {
		return err
	}
	id := mux.Vars(r)["id"]
	d, err := pd.Get(r.Context(), id)
	if err != nil {
		return notFound(err, "product "+id)
	}
	return answer(w, r, d, "public, no-cache", behind)
}
