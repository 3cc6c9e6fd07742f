package projector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections/scent"
	"github.com/souq-market/souq/projections/search"
	searchprojector "github.com/souq-market/souq/projections/search/projector"
)

// New returns the scent projector named scent.View(), writing to ix.
func New(ix scent.Index, registry *eventstore.Registry) (*searchprojector.Projector, error) {
	if ix == nil {
		return nil, errors.New("scent projector: an index is needed")
	}
	return searchprojector.New(scent.View(), &Sink{Index: ix}, registry)
}

// ErrNoText: the scent sink answers no text search; it only exists
// because the search projector writes to a search.Index.
var ErrNoText = errors.New("scent projector: the vector index answers no text search")

// Sink adapts a scent.Index to the search.Index the search projector
// writes to.
type Sink struct {
	Index scent.Index
	// Points turns the batch's product records into points; nil: their
	// scent points (Point).
	Points func(ctx context.Context, products []*search.ProductState) ([]scent.Point, error)
}

var _ search.Index = (*Sink)(nil)

// Load returns the stored records among keys.
func (s *Sink) Load(ctx context.Context, keys []string) (map[string]search.Record, error) {
	raw, err := s.Index.LoadState(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]search.Record, len(raw))
	for k, b := range raw {
		var r search.Record
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("scent projector: record %s: %w", k, err)
		}
		out[k] = r
	}
	return out, nil
}

// Save stores the records, then writes a point for each product record:
// its vector and payload while on sale, a tombstone after. Records first:
// should the points fail, the batch comes again and rewrites them from the
// records (derived, so the same), which is what at-least-once allows.
func (s *Sink) Save(ctx context.Context, records []search.Record) error {
	state := make(map[string][]byte, len(records))
	var products []*search.ProductState
	for _, r := range records {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		state[r.Key] = b
		if r.Product != nil && r.Product.Seen {
			products = append(products, r.Product)
		}
	}
	if err := s.Index.SaveState(ctx, state); err != nil {
		return err
	}
	if len(products) == 0 {
		return nil
	}
	var points []scent.Point
	if s.Points != nil {
		var err error
		if points, err = s.Points(ctx, products); err != nil {
			return err
		}
	} else {
		for _, p := range products {
			points = append(points, Point(p))
		}
	}
	return s.Index.Upsert(ctx, points)
}

// Point is the scent point of a product record.
func Point(p *search.ProductState) scent.Point {
	d := p.Document()
	pt := scent.Point{ID: d.ID, Revision: p.Revision}
	if !p.Listed || p.Delisted {
		pt.Deleted = true
		return pt
	}
	pt.Vector = scent.Vectorize(Profile(d))
	pt.Payload = scent.Payload{Vendor: d.Vendor, Brand: d.Brand, Category: d.Category, Gender: d.Gender,
		Top: slices.Clone(d.Top), Prices: d.Prices, InStock: d.InStock}
	return pt
}

// Profile is the scent profile of a search document.
func Profile(d search.Document) scent.Profile {
	return scent.Profile{Top: d.Top, Heart: d.Heart, Base: d.Base, Accords: d.Accords, OudType: d.OudType,
		Seasons: d.Seasons, Occasions: d.Occasions, Longevity: d.Longevity, Sillage: d.Sillage}
}

// Search and Suggest refuse: see ErrNoText.
func (s *Sink) Search(context.Context, search.Query) (search.Page, error) {
	return search.Page{}, ErrNoText
}
func (s *Sink) Suggest(context.Context, search.Suggest) ([]search.Suggestion, error) {
	return nil, ErrNoText
}

// Ping and Reset pass through to the index.
func (s *Sink) Ping(ctx context.Context) error  { return s.Index.Ping(ctx) }
func (s *Sink) Reset(ctx context.Context) error { return s.Index.Reset(ctx) }
