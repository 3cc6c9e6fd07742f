package scent

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/souq-market/souq/domain"
)

// Codes of the refusals the Reader decides.
const (
	CodeUnknownProduct  = "scent.unknown_product"
	CodeEmptyProfile    = "scent.empty_description"
	CodeFeatureDisabled = "feature.disabled"
)

// Purchase is one product a customer bought, and when.
type Purchase struct {
	ProductID string
	At        time.Time
}

// Purchases lists a customer's purchases (paid orders, not cancelled);
// the wiring reads them from the orders view.
type Purchases func(ctx context.Context, customer string) ([]Purchase, error)

// Reader answers scent-match queries over an Index.
type Reader struct {
	index     Index
	rules     Rules
	purchases Purchases
	// HalfLife is how fast a purchase's say in the preference vector fades:
	// a purchase HalfLife old counts half a new one. Default 90 days.
	HalfLife time.Duration
	// Now is the clock of the decay; default time.Now.
	Now func() time.Time
	// Images, with an Embedder, serves image similarity; both nil: off.
	Images   Index
	Embedder Embedder
}

// NewReader returns a Reader; purchases may be nil (no recommendations).
func NewReader(ix Index, rules Rules, purchases Purchases) *Reader {
	return &Reader{index: ix, rules: rules, purchases: purchases, HalfLife: 90 * 24 * time.Hour, Now: time.Now}
}

// Ping reports whether the index answers.
func (r *Reader) Ping(ctx context.Context) error { return r.index.Ping(ctx) }

// Similar returns up to k products that smell like product id, re-ranked
// by the rules with id's lowest price in currency as the price reference.
// Candidates must share at least one top note with id (the opening is
// what a shopper smells first and names a perfume by); only when fewer
// than k do are the nearest others added, ranked after the rules like the
// rest.
func (r *Reader) Similar(ctx context.Context, id string, currency domain.Currency, k int) ([]Match, error) {
	got, err := r.index.Get(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	p, ok := got[id]
	if !ok {
		return nil, domain.Errorf(domain.NotFound, CodeUnknownProduct, "product %s is not on sale (or not indexed yet)", id)
	}
	ref := Reference{Currency: currency}
	ref.Price, ref.Has = p.Payload.Prices[string(currency)]
	q := Query{Vector: p.Vector, K: Candidates(k), Filter: Filter{Exclude: []string{id}, TopAny: p.Payload.Top}}
	hits, err := r.index.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(hits) < k && len(p.Payload.Top) > 0 {
		// Too few share an opening note: fill from the whole catalog.
		q.Filter.TopAny = nil
		more, err := r.index.Search(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, h := range more {
			if !slices.ContainsFunc(hits, func(x Hit) bool { return x.ID == h.ID }) {
				hits = append(hits, h)
			}
		}
	}
	return r.rules.Rank(hits, ref, k), nil
}

// Describe returns up to k products nearest a described scent.
func (r *Reader) Describe(ctx context.Context, p Profile, f Filter, k int) ([]Match, error) {
	if len(p.Notes)+len(p.Top)+len(p.Heart)+len(p.Base)+len(p.Accords) == 0 && p.OudType == "" {
		return nil, domain.Errorf(domain.Invalid, CodeEmptyProfile, "describe the scent with notes, top, heart, base, accords or oud_type")
	}
	return r.rank(ctx, Query{Vector: Vectorize(p), K: Candidates(k), Filter: f}, Reference{}, k)
}

// Recommend returns up to k products for a customer from the preference
// vector of their purchases: the mean of the purchased products' vectors,
// each weighted 2^(−age/HalfLife), L2-normalised. Products bought are left
// out; a customer without purchases (or whose products are all off sale)
// gets an empty list, never someone else's taste.
func (r *Reader) Recommend(ctx context.Context, customer string, k int) ([]Match, error) {
	if r.purchases == nil {
		return nil, domain.Errorf(domain.Unavailable, CodeFeatureDisabled, "recommendations need the orders view")
	}
	bought, err := r.purchases(ctx, customer)
	if err != nil {
		return nil, fmt.Errorf("scent: purchases of %s: %w", customer, err)
	}
	pref, ids, err := r.Preference(ctx, bought)
	if err != nil || pref == nil {
		return []Match{}, err
	}
	return r.rank(ctx, Query{Vector: pref, K: Candidates(k), Filter: Filter{Exclude: ids}}, Reference{}, k)
}

// Preference is the decayed mean of the purchased products' vectors (nil
// when none is indexed) and the IDs bought.
func (r *Reader) Preference(ctx context.Context, bought []Purchase) (Vector, []string, error) {
	var ids []string
	for _, b := range bought {
		if !slices.Contains(ids, b.ProductID) {
			ids = append(ids, b.ProductID)
		}
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		return nil, ids, nil
	}
	points, err := r.index.Get(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	now := r.Now()
	var sum []float64
	// In purchase order, after a stable sort, so the float sums are the
	// same for the same purchases whatever order the view lists them in.
	sorted := slices.Clone(bought)
	slices.SortStableFunc(sorted, func(a, b Purchase) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if a.ProductID < b.ProductID {
			return -1
		}
		if a.ProductID > b.ProductID {
			return 1
		}
		return 0
	})
	for _, b := range sorted {
		p, ok := points[b.ProductID]
		if !ok {
			continue
		}
		age := max(0, now.Sub(b.At))
		w := math.Exp2(-float64(age) / float64(r.HalfLife))
		if sum == nil {
			sum = make([]float64, len(p.Vector))
		}
		for i, x := range p.Vector {
			sum[i] += w * float64(x)
		}
	}
	if sum == nil {
		return nil, ids, nil
	}
	scale(sum, 1)
	out := make(Vector, len(sum))
	for i, x := range sum {
		out[i] = float32(x)
	}
	return out, ids, nil
}

func (r *Reader) rank(ctx context.Context, q Query, ref Reference, k int) ([]Match, error) {
	hits, err := r.index.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	return r.rules.Rank(hits, ref, k), nil
}

// Images answers image similarity: the image is embedded by the Embedder
// and matched against product image embeddings. Without an Embedder and an
// image index the feature is off, and the answer says so (503
// feature.disabled), never an empty list that looks like no match.
func (r *Reader) ImageMatch(ctx context.Context, img Image, k int) ([]Match, error) {
	if r.Embedder == nil || r.Images == nil {
		return nil, domain.Errorf(domain.Unavailable, CodeFeatureDisabled,
			"image similarity is off: it needs SOUQ_EMBEDDER_URL (a CLIP-style model service) and an index of product image embeddings")
	}
	v, err := r.Embedder.Embed(ctx, img)
	if err != nil {
		return nil, err
	}
	hits, err := r.Images.Search(ctx, Query{Vector: v, K: Candidates(k)})
	if err != nil {
		return nil, err
	}
	return r.rules.Rank(hits, Reference{}, k), nil
}

// Enabled reports whether image similarity is on.
func (r *Reader) ImagesEnabled() bool { return r.Embedder != nil && r.Images != nil }
