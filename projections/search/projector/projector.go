package projector

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/domain/review"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/search"
)

// Stream name prefixes of the aggregates read here (commands.ProductStream
// and its siblings; the projector may not import commands).
const (
	productPrefix   = "product-"
	inventoryPrefix = "inventory-"
	reviewPrefix    = "review-"
	orderPrefix     = "order-"
)

// Projector is the search projector.
type Projector struct {
	name     string
	index    search.Index
	registry *eventstore.Registry
}

var _ projections.Idempotent = (*Projector)(nil)

// New returns the projector writing to index, decoding with registry. Its
// name is the runner's checkpoint key: give each mapping version its own
// (search.View), so a new mapping is built from position zero beside the
// old one.
func New(name string, index search.Index, registry *eventstore.Registry) (*Projector, error) {
	if name == "" || index == nil || registry == nil {
		return nil, fmt.Errorf("search projector: a name, an index and a registry are needed")
	}
	return &Projector{name: name, index: index, registry: registry}, nil
}

func (p *Projector) Name() string { return p.name }

// Reset empties the index.
func (p *Projector) Reset(ctx context.Context) error { return p.index.Reset(ctx) }

// relevant reports whether an event type feeds the index.
func relevant(t string) bool {
	switch t {
	case product.TypeListed, product.TypeUpdated, product.TypeVariantAdded, product.TypeRepriced, product.TypeDelisted,
		inventory.TypeReceived, inventory.TypeAdjusted, inventory.TypeReserved, inventory.TypeReservationCommitted,
		inventory.TypeReservationReleased, inventory.TypeReservationExpired,
		review.TypeWritten, review.TypeApproved, review.TypeRejected,
		order.TypePlaced, order.TypePaid, order.TypeCancelled:
		return true
	}
	return false
}

// Handle applies a batch: it loads the records the events touch, applies
// the events in order, and saves every changed record in one Save.
func (p *Projector) Handle(ctx context.Context, events []eventstore.RecordedEvent) error {
	b := &batch{ctx: ctx, index: p.index, records: map[string]*search.Record{}, dirty: map[string]bool{}}
	var keys []string
	for _, e := range events {
		if k := directKey(e); k != "" && relevant(e.Type) {
			keys = append(keys, k)
		}
	}
	if err := b.load(keys); err != nil {
		return err
	}
	for _, e := range events {
		if !relevant(e.Type) {
			continue
		}
		v, err := p.registry.DecodeRecorded(e)
		if err != nil {
			return fmt.Errorf("search projector: %s at %d: %w", e.Type, e.Position, err)
		}
		if err := b.apply(e, v); err != nil {
			return fmt.Errorf("search projector: %s at %d: %w", e.Type, e.Position, err)
		}
	}
	return b.save()
}

func directKey(e eventstore.RecordedEvent) string {
	s := e.StreamID
	switch {
	case strings.HasPrefix(s, productPrefix):
		return search.ProductKey(strings.TrimPrefix(s, productPrefix))
	case strings.HasPrefix(s, inventoryPrefix):
		sku, _, _ := strings.Cut(strings.TrimPrefix(s, inventoryPrefix), "@")
		return search.SKUKey(sku)
	case strings.HasPrefix(s, reviewPrefix):
		return search.ReviewKey(strings.TrimPrefix(s, reviewPrefix))
	case strings.HasPrefix(s, orderPrefix):
		return search.OrderKey(strings.TrimPrefix(s, orderPrefix))
	}
	return ""
}

// batch is one Handle call's view of the records.
type batch struct {
	ctx     context.Context
	index   search.Index
	records map[string]*search.Record
	dirty   map[string]bool
}

func (b *batch) load(keys []string) error {
	var missing []string
	for _, k := range keys {
		if _, ok := b.records[k]; !ok && !slices.Contains(missing, k) {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	got, err := b.index.Load(b.ctx, missing)
	if err != nil {
		return fmt.Errorf("search projector: load: %w", err)
	}
	for _, k := range missing {
		r, ok := got[k]
		if !ok {
			r = search.Record{Key: k}
		}
		b.records[k] = &r
	}
	return nil
}

func (b *batch) get(key string) (*search.Record, error) {
	if err := b.load([]string{key}); err != nil {
		return nil, err
	}
	return b.records[key], nil
}

func (b *batch) product(id string) (*search.ProductState, error) {
	r, err := b.get(search.ProductKey(id))
	if err != nil {
		return nil, err
	}
	if r.Product == nil {
		r.Product = &search.ProductState{}
	}
	b.dirty[r.Key] = true
	return r.Product, nil
}

func (b *batch) sku(sku string) (*search.SKUState, error) {
	r, err := b.get(search.SKUKey(sku))
	if err != nil {
		return nil, err
	}
	if r.SKU == nil {
		r.SKU = &search.SKUState{}
	}
	b.dirty[r.Key] = true
	return r.SKU, nil
}

func (b *batch) save() error {
	if len(b.dirty) == 0 {
		return nil
	}
	out := make([]search.Record, 0, len(b.dirty))
	for _, k := range slices.Sorted(maps.Keys(b.dirty)) {
		out = append(out, *b.records[k])
	}
	if err := b.index.Save(b.ctx, out); err != nil {
		return fmt.Errorf("search projector: save: %w", err)
	}
	return nil
}

func (b *batch) apply(e eventstore.RecordedEvent, v any) error {
	switch ev := v.(type) {
	case product.Listed, product.Updated, product.VariantAdded, product.Repriced, product.Delisted:
		return b.applyProduct(strings.TrimPrefix(e.StreamID, productPrefix), e.StreamRevision, ev)
	case inventory.Received:
		return b.applyStock(e, string(ev.SKU), string(ev.Location), ev.Quantity, 0)
	case inventory.Adjusted:
		return b.applyStock(e, string(ev.SKU), string(ev.Location), ev.Delta, 0)
	case inventory.Reserved:
		return b.applyStock(e, string(ev.SKU), string(ev.Location), 0, ev.Quantity)
	case inventory.ReservationCommitted:
		return b.applyStock(e, string(ev.SKU), string(ev.Location), -ev.Quantity, -ev.Quantity)
	case inventory.ReservationReleased:
		return b.applyStock(e, string(ev.SKU), string(ev.Location), 0, -ev.Quantity)
	case inventory.ReservationExpired:
		return b.applyStock(e, string(ev.SKU), string(ev.Location), 0, -ev.Quantity)
	case review.Written, review.Approved, review.Rejected:
		return b.applyReview(strings.TrimPrefix(e.StreamID, reviewPrefix), e.StreamRevision, ev)
	case order.Placed, order.Paid, order.Cancelled:
		return b.applyOrder(strings.TrimPrefix(e.StreamID, orderPrefix), e.StreamRevision, ev)
	}
	return nil
}

func (b *batch) applyProduct(id string, rev uint64, ev any) error {
	p, err := b.product(id)
	if err != nil {
		return err
	}
	if projections.Fresh(p.Revision, p.Seen, rev) {
		p.Seen, p.Revision = true, rev
		switch ev := ev.(type) {
		case product.Listed:
			p.Listed = true
			p.Doc = document(id, string(ev.VendorID), ev.Details)
			p.Images = slices.Clone(ev.Details.Images)
			p.Doc.ListedAt = ev.At.UTC()
			p.Variants = map[string]search.Variant{}
			for _, x := range ev.Variants {
				p.Variants[string(x.SKU)] = variant(x)
			}
		case product.Updated:
			listedAt, vendor := p.Doc.ListedAt, p.Doc.Vendor
			p.Doc = document(id, vendor, ev.Details)
			p.Doc.ListedAt = listedAt
			p.Images = slices.Clone(ev.Details.Images)
		case product.VariantAdded:
			if p.Variants == nil {
				p.Variants = map[string]search.Variant{}
			}
			p.Variants[string(ev.Variant.SKU)] = variant(ev.Variant)
		case product.Repriced:
			if x, ok := p.Variants[string(ev.SKU)]; ok {
				x.Prices = prices(ev.Prices)
				p.Variants[string(ev.SKU)] = x
			}
		case product.Delisted:
			p.Delisted = true
		}
	}
	// Derived, so always: link each SKU to the product and take its stock.
	for sku := range p.Variants {
		s, err := b.sku(sku)
		if err != nil {
			return err
		}
		s.Product = id
		if p.Stock == nil {
			p.Stock = map[string]int64{}
		}
		p.Stock[sku] = s.Available()
	}
	return nil
}

func (b *batch) applyStock(e eventstore.RecordedEvent, sku, loc string, onHand, reserved int64) error {
	s, err := b.sku(sku)
	if err != nil {
		return err
	}
	l, ok := s.Locations[loc]
	if projections.Fresh(l.Revision, ok, e.StreamRevision) {
		l.Revision, l.OnHand, l.Reserved = e.StreamRevision, l.OnHand+onHand, l.Reserved+reserved
		if s.Locations == nil {
			s.Locations = map[string]search.LocationStock{}
		}
		s.Locations[loc] = l
	}
	if s.Product == "" {
		return nil // not listed yet: the listing takes the stock
	}
	p, err := b.product(s.Product)
	if err != nil {
		return err
	}
	if p.Stock == nil {
		p.Stock = map[string]int64{}
	}
	p.Stock[sku] = s.Available()
	return nil
}

func (b *batch) applyReview(id string, rev uint64, ev any) error {
	r, err := b.get(search.ReviewKey(id))
	if err != nil {
		return err
	}
	if r.Review == nil {
		r.Review = &search.ReviewState{}
	}
	st := r.Review
	b.dirty[r.Key] = true
	if projections.Fresh(st.Revision, st.Product != "", rev) {
		st.Revision = rev
		switch ev := ev.(type) {
		case review.Written:
			st.Product, st.Rating, st.Approved = string(ev.ProductID), ev.Rating, false
		case review.Approved:
			st.Approved = true
		case review.Rejected:
			st.Approved = false
		}
	}
	if st.Product == "" {
		return nil
	}
	p, err := b.product(st.Product)
	if err != nil {
		return err
	}
	if p.Reviews == nil {
		p.Reviews = map[string]search.ReviewMark{}
	}
	p.Reviews[id] = search.ReviewMark{Rating: st.Rating, Approved: st.Approved}
	return nil
}

func (b *batch) applyOrder(id string, rev uint64, ev any) error {
	r, err := b.get(search.OrderKey(id))
	if err != nil {
		return err
	}
	if r.Order == nil {
		r.Order = &search.OrderState{}
	}
	o := r.Order
	b.dirty[r.Key] = true
	if projections.Fresh(o.Revision, o.Lines != nil, rev) {
		o.Revision = rev
		switch ev := ev.(type) {
		case order.Placed:
			o.Lines = map[string]int64{}
			for _, l := range ev.Lines {
				o.Lines[string(l.ProductID)] += l.Quantity
			}
		case order.Paid:
			o.Paid = true
		case order.Cancelled:
			o.Cancelled = true
		}
	}
	for _, pid := range slices.Sorted(maps.Keys(o.Lines)) {
		p, err := b.product(pid)
		if err != nil {
			return err
		}
		if o.Counts() {
			if p.Sales == nil {
				p.Sales = map[string]int64{}
			}
			p.Sales[id] = o.Lines[pid]
		} else {
			delete(p.Sales, id)
		}
	}
	return nil
}

func document(id, vendor string, d product.Details) search.Document {
	return search.Document{
		ID: id, Vendor: vendor, NameEN: d.Name.English, NameAR: d.Name.Arabic, Brand: d.Brand,
		Category: string(d.Category), Concentration: d.Concentration, Gender: string(d.Gender),
		Type: string(d.Origin), InspiredBy: d.InspiredBy,
		Top: d.Scent.Top, Heart: d.Scent.Heart, Base: d.Scent.Base, Accords: d.Scent.Accords,
		OudType: d.Scent.OudType, Seasons: d.Scent.Seasons, Occasions: d.Scent.Occasions,
		Longevity: d.Scent.Longevity, Sillage: d.Scent.Sillage,
	}
}

func variant(x product.Variant) search.Variant {
	return search.Variant{SizeML: x.SizeML, Prices: prices(x.Prices)}
}

func prices[M ~map[K]V, K ~string, V interface{ Amount() int64 }](m M) map[string]int64 {
	out := make(map[string]int64, len(m))
	for c, v := range m {
		out[string(c)] = v.Amount()
	}
	return out
}
