package scent

import (
	"cmp"
	"slices"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/projections/search"
)

// Rules are the marketplace's business rules over what the index finds,
// all in this one place. A candidate's rank is its cosine to the query
// (0 to 1: scent vectors are never negative) plus the weight of each rule
// it meets:
//
//   - InStock (default 1.0): the product has stock now. A weight of 1
//     exceeds any difference of cosines, so every candidate in stock comes
//     before every one out of stock: shoppers are never shown a twin they
//     cannot buy above one they can.
//   - OwnBrand (default 0.15): the product's brand is one of the
//     marketplace's own (OwnBrands). It lifts a house product over a
//     slightly closer match, never over a much closer one.
//   - PriceBand (default 0.10): the product's lowest price lies in the same
//     band of the search price facet (under 100, 100–250, 250–500,
//     500–1000, 1000 and up, in major units) as the query product's, in
//     the query's currency. Only similar-products has a reference price.
//
// Re-ranking works on a candidate pool Candidates(k) times larger than the
// page, taken by cosine alone from the index, so a rule can lift a
// product from deep in the pool but never one the pool missed. (The pool
// of similar-products holds products sharing a top note with the query
// product first: that is candidate selection, in Reader.Similar.)
type Rules struct {
	InStock   float64
	OwnBrand  float64
	PriceBand float64
	OwnBrands []string // brand names as products list them; compared normalised
}

// DefaultRules are the weights above with the marketplace's own brands.
func DefaultRules(own ...string) Rules {
	return Rules{InStock: 1.0, OwnBrand: 0.15, PriceBand: 0.10, OwnBrands: own}
}

// Candidates is the size of the pool re-ranked for a page of k.
func Candidates(k int) int { return max(5*k, 100) }

// Reasons a rule lifted a product, as the API names them.
const (
	ReasonInStock   = "in_stock"
	ReasonOwnBrand  = "own_brand"
	ReasonPriceBand = "same_price_band"
)

// Match is one answer: the product, its cosine (Score), its rank after
// the rules and which rules lifted it.
type Match struct {
	ID       string           `json:"id"`
	Score    float64          `json:"score"`
	Rank     float64          `json:"rank"`
	Reasons  []string         `json:"reasons"`
	Brand    string           `json:"brand"`
	Vendor   string           `json:"vendor"`
	Category string           `json:"category"`
	Top      []string         `json:"top_notes,omitempty"`
	Prices   map[string]int64 `json:"prices"`
	InStock  bool             `json:"in_stock"`
}

// Reference is what the PriceBand rule compares with: the query product's
// lowest price in the query's currency. A zero Reference has no price.
type Reference struct {
	Currency domain.Currency
	Price    int64 // minor units
	Has      bool
}

// Rank applies the rules to hits and returns the best k, highest rank
// first, ties by cosine then ID (so the order is total and stable).
func (r Rules) Rank(hits []Hit, ref Reference, k int) []Match {
	own := map[string]bool{}
	for _, b := range r.OwnBrands {
		own[Normalize(b)] = true
	}
	refBand, refOK := band(ref.Currency, ref.Price)
	out := make([]Match, 0, len(hits))
	for _, h := range hits {
		m := Match{ID: h.ID, Score: h.Score, Rank: h.Score, Reasons: []string{}, Brand: h.Payload.Brand, Vendor: h.Payload.Vendor,
			Category: h.Payload.Category, Top: h.Payload.Top, Prices: h.Payload.Prices, InStock: h.Payload.InStock}
		if m.Prices == nil {
			m.Prices = map[string]int64{}
		}
		if h.Payload.InStock {
			m.Rank += r.InStock
			m.Reasons = append(m.Reasons, ReasonInStock)
		}
		if own[Normalize(h.Payload.Brand)] {
			m.Rank += r.OwnBrand
			m.Reasons = append(m.Reasons, ReasonOwnBrand)
		}
		if ref.Has && refOK {
			if p, ok := h.Payload.Prices[string(ref.Currency)]; ok {
				if b, ok := band(ref.Currency, p); ok && b == refBand {
					m.Rank += r.PriceBand
					m.Reasons = append(m.Reasons, ReasonPriceBand)
				}
			}
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Match) int {
		if c := cmp.Compare(b.Rank, a.Rank); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out[:min(k, len(out))]
}

// band names the price facet band a price in minor units of c falls in.
func band(c domain.Currency, minor int64) (string, bool) {
	if !c.Valid() {
		return "", false
	}
	major := float64(minor) / search.Minor(c)
	for _, b := range search.PriceBands() {
		if b.In(major) {
			return b.Name, true
		}
	}
	return "", false
}
