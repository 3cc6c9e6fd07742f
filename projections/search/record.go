package search

import (
	"maps"
	"math"
	"slices"
	"time"
)

// A Record is one unit of the projector's state, stored by the Index beside
// the documents and written in the same batch: the product (its document
// and what its derived fields are computed from) and the other aggregates
// whose events feed it (a SKU's stock, a review, an order). Each keeps the
// stream revision it last applied, so that a redelivered or stale event
// changes nothing (projections.Fresh).
//
// Exactly one of the pointers is set; Key says which ("product:<id>",
// "sku:<sku>", "review:<id>", "order:<id>").
type Record struct {
	Key     string        `json:"key"`
	Product *ProductState `json:"product,omitempty"`
	SKU     *SKUState     `json:"sku,omitempty"`
	Review  *ReviewState  `json:"review,omitempty"`
	Order   *OrderState   `json:"order,omitempty"`
}

// Record keys.
func ProductKey(id string) string { return "product:" + id }
func SKUKey(sku string) string    { return "sku:" + sku }
func ReviewKey(id string) string  { return "review:" + id }
func OrderKey(id string) string   { return "order:" + id }

// Searchable reports whether the record is a product on sale: the only
// records an Index lets queries find.
func (r Record) Searchable() bool {
	return r.Product != nil && r.Product.Listed && !r.Product.Delisted
}

// ProductState is a product as the projector knows it. Doc holds the
// descriptive fields from the product stream; Variants, Stock, Reviews and
// Sales are what the derived fields (prices, sizes, in stock, rating, sold)
// are recomputed from on every change.
type ProductState struct {
	Seen     bool   `json:"seen"` // an event of the product stream was applied
	Revision uint64 `json:"revision"`
	Listed   bool   `json:"listed"`
	Delisted bool   `json:"delisted"`
	Doc      Document
	// Images are the product's image blob keys, main image first: not
	// searched, kept for the image embeddings of scent match.
	Images   []string              `json:"images,omitempty"`
	Variants map[string]Variant    `json:"variants,omitempty"` // by SKU
	Stock    map[string]int64      `json:"stock,omitempty"`    // available units by SKU
	Reviews  map[string]ReviewMark `json:"reviews,omitempty"`  // by review ID
	// Sales holds the units of each paid, not cancelled order. It grows with
	// the product's orders: fine for the read side of a catalog whose best
	// sellers see thousands of orders, to revisit at millions.
	Sales map[string]int64 `json:"sales,omitempty"`
}

// Variant is one size of a product.
type Variant struct {
	SizeML int              `json:"size_ml"`
	Prices map[string]int64 `json:"prices"` // currency → minor units
}

// ReviewMark is what a review contributes to its product's rating.
type ReviewMark struct {
	Rating   int  `json:"rating"`
	Approved bool `json:"approved"`
}

// SKUState is one SKU's stock per location, each location being its own
// inventory stream with its own revision.
type SKUState struct {
	Product   string                   `json:"product,omitempty"` // known once the product is listed
	Locations map[string]LocationStock `json:"locations,omitempty"`
}

// LocationStock is one inventory stream's counters.
type LocationStock struct {
	Revision uint64 `json:"revision"`
	OnHand   int64  `json:"on_hand"`
	Reserved int64  `json:"reserved"`
}

// Available is what can be sold; never below zero.
func (s *SKUState) Available() int64 {
	var n int64
	for _, l := range s.Locations {
		n += max(0, l.OnHand-l.Reserved)
	}
	return n
}

// ReviewState is one review stream.
type ReviewState struct {
	Revision uint64 `json:"revision"`
	Product  string `json:"product"`
	Rating   int    `json:"rating"`
	Approved bool   `json:"approved"`
}

// OrderState is one order stream, as far as sales go.
type OrderState struct {
	Revision  uint64           `json:"revision"`
	Lines     map[string]int64 `json:"lines"` // product → units
	Paid      bool             `json:"paid"`
	Cancelled bool             `json:"cancelled"`
}

// Counts reports whether the order's units count as sold.
func (o *OrderState) Counts() bool { return o.Paid && !o.Cancelled }

// Document computes the searchable document: the descriptive fields and
// the derived ones.
func (p *ProductState) Document() Document {
	d := p.Doc
	d.Revision = p.Revision
	d.Top, d.Heart, d.Base = slices.Clone(d.Top), slices.Clone(d.Heart), slices.Clone(d.Base)
	d.Accords, d.Seasons, d.Occasions = slices.Clone(d.Accords), slices.Clone(d.Seasons), slices.Clone(d.Occasions)
	d.Sizes, d.Prices = nil, map[string]int64{}
	for _, sku := range slices.Sorted(maps.Keys(p.Variants)) {
		v := p.Variants[sku]
		d.Sizes = append(d.Sizes, v.SizeML)
		for c, amount := range v.Prices {
			if low, ok := d.Prices[c]; !ok || amount < low {
				d.Prices[c] = amount
			}
		}
	}
	d.Stock = 0
	for sku, n := range p.Stock {
		if _, ok := p.Variants[sku]; ok {
			d.Stock += n
		}
	}
	d.InStock = d.Stock > 0
	var sum int
	d.Ratings = 0
	for _, r := range p.Reviews {
		if r.Approved {
			sum += r.Rating
			d.Ratings++
		}
	}
	d.Rating = 0
	if d.Ratings > 0 {
		d.Rating = math.Round(float64(sum)/float64(d.Ratings)*100) / 100 // two decimals: both backends store the same number
	}
	d.Sold = 0
	for _, n := range p.Sales {
		d.Sold += n
	}
	d.normalize()
	if d.ListedAt.IsZero() {
		d.ListedAt = time.Unix(0, 0).UTC()
	}
	return d
}
