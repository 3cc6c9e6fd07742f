package searchtest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/domain/review"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections/search"
	"github.com/souq-market/souq/projections/search/catalog"
	"github.com/souq-market/souq/projections/search/projector"
)

// Registry registers the events the projector reads, for the suite's own
// log. The suite writes current schema versions only, so older versions get
// an upcaster that refuses: the real registry (commands.NewRegistry) owns
// the real upcasters, and this package may not import it.
func Registry() *eventstore.Registry {
	r := eventstore.NewRegistry()
	for _, list := range [][]domain.Event{product.Events(), inventory.Events(), review.Events(), order.Events()} {
		for _, e := range list {
			var steps []eventstore.UpcastStep
			for v := 1; v < e.SchemaVersion(); v++ {
				steps = append(steps, eventstore.UpcastStep{From: v, Fn: func(json.RawMessage) (json.RawMessage, error) {
					return nil, fmt.Errorf("searchtest writes %s version %d only", e.EventType(), e.SchemaVersion())
				}})
			}
			r.RegisterValue(e, e.EventType(), e.SchemaVersion(), steps...)
		}
	}
	return r
}

// Log builds recorded events as a store would: revisions per stream,
// positions in global order.
type Log struct {
	reg    *eventstore.Registry
	revs   map[string]uint64
	Events []eventstore.RecordedEvent
}

// NewLog returns an empty log.
func NewLog() *Log { return &Log{reg: Registry(), revs: map[string]uint64{}} }

// Add appends e to stream and returns the recorded event.
func (l *Log) Add(stream string, e domain.Event) eventstore.RecordedEvent {
	name, version, data, err := l.reg.Encode(e)
	if err != nil {
		panic(err) // every event here is registered
	}
	rev, seen := l.revs[stream]
	if seen {
		rev++
	}
	l.revs[stream] = rev
	if !seen {
		l.revs[stream] = 0
	}
	ev := eventstore.RecordedEvent{ID: fmt.Sprintf("e-%d", len(l.Events)+1), StreamID: stream, StreamRevision: rev,
		Position: eventstore.Position(len(l.Events) + 1), Type: name, SchemaVersion: version, Data: data}
	l.Events = append(l.Events, ev)
	return ev
}

// Feed hands events to the projector in batches of size n, as the runner
// would.
func Feed(t testing.TB, p *projector.Projector, events []eventstore.RecordedEvent, n int) {
	t.Helper()
	for i := 0; i < len(events); i += n {
		if err := p.Handle(context.Background(), events[i:min(len(events), i+n)]); err != nil {
			t.Fatalf("handle: %v", err)
		}
	}
}

// expected is the oracle's view of one product.
type expected struct {
	search.Document
	delisted bool
}

// Model is the fixture and what the index should hold: built from the
// catalog directly, never from the projector.
type Model struct {
	Items []catalog.Item
	Docs  map[string]*expected
	Log   *Log
}

// Fixture generates n products with their stock; every third product gets
// reviews (some rejected), every fourth a paid order, every twentieth order
// is then cancelled.
func Fixture(n int) *Model {
	m := &Model{Items: catalog.Generate(42, n), Docs: map[string]*expected{}, Log: NewLog()}
	at := catalog.ListedAt
	for i, it := range m.Items {
		id := string(it.ProductID)
		m.Log.Add("product-"+id, product.Listed{ProductID: it.ProductID, VendorID: it.VendorID, Details: it.Details, Variants: it.Variants, At: at(i)})
		d := search.Document{ID: id, Vendor: string(it.VendorID), NameEN: it.Details.Name.English, NameAR: it.Details.Name.Arabic,
			Brand: it.Details.Brand, Category: string(it.Details.Category), Concentration: it.Details.Concentration,
			Gender: string(it.Details.Gender), Type: string(it.Details.Origin), InspiredBy: it.Details.InspiredBy,
			Top: sorted(it.Details.Scent.Top), Heart: sorted(it.Details.Scent.Heart), Base: sorted(it.Details.Scent.Base),
			Accords: sorted(it.Details.Scent.Accords), OudType: it.Details.Scent.OudType, Seasons: sorted(it.Details.Scent.Seasons),
			Occasions: sorted(it.Details.Scent.Occasions), Longevity: it.Details.Scent.Longevity, Sillage: it.Details.Scent.Sillage,
			Prices: map[string]int64{}, ListedAt: at(i)}
		for _, v := range it.Variants {
			d.Sizes = append(d.Sizes, v.SizeML)
			for c, p := range v.Prices {
				if low, ok := d.Prices[string(c)]; !ok || p.Amount() < low {
					d.Prices[string(c)] = p.Amount()
				}
			}
		}
		slices.Sort(d.Sizes)
		m.Docs[id] = &expected{Document: d}
	}
	for _, it := range m.Items {
		for _, sku := range slices.Sorted(maps.Keys(it.Stock)) {
			for _, loc := range slices.Sorted(maps.Keys(it.Stock[sku])) {
				q := it.Stock[sku][loc]
				m.Log.Add("inventory-"+string(sku)+"@"+string(loc), inventory.Received{SKU: sku, Location: loc, Quantity: q, At: at(0)})
				m.Docs[string(it.ProductID)].Stock += q
			}
		}
	}
	for i, it := range m.Items {
		d := m.Docs[string(it.ProductID)]
		if i%3 == 0 {
			sum := 0
			for j := range 1 + i%4 {
				rating := 1 + (i+j*2)%5
				rid := fmt.Sprintf("%s:c%d", it.ProductID, j)
				stream := "review-" + rid
				m.Log.Add(stream, review.Written{ReviewID: domain.ReviewID(rid), ProductID: it.ProductID, CustomerID: domain.CustomerID(fmt.Sprintf("c%d", j)), OrderID: "o", Rating: rating, At: at(i)})
				if j == 2 {
					m.Log.Add(stream, review.Rejected{ModeratorID: "mod", Reason: "spam", At: at(i)})
					continue
				}
				m.Log.Add(stream, review.Approved{ModeratorID: "mod", At: at(i)})
				sum += rating
				d.Ratings++
			}
			if d.Ratings > 0 {
				d.Rating = float64(int(float64(sum)/float64(d.Ratings)*100+0.5)) / 100
			}
		}
		if i%4 == 0 {
			oid := fmt.Sprintf("o-%d", i)
			qty := int64(1 + i%5)
			v := it.Variants[0]
			price := v.Prices[domain.AED]
			zero, _ := domain.Zero(domain.AED)
			m.Log.Add("order-"+oid, order.Placed{OrderID: domain.OrderID(oid),
				Lines:  []order.PricedLine{{SKU: v.SKU, ProductID: it.ProductID, VendorID: it.VendorID, Quantity: qty, UnitPrice: price, Total: price, Discount: zero}},
				Totals: order.Totals{Subtotal: zero, Discount: zero, Shipping: zero, Total: zero, VAT: zero, Cashback: zero, Wallet: zero, Due: zero}, At: at(i)})
			m.Log.Add("order-"+oid, order.Paid{PaymentID: "pay", Amount: price, At: at(i)})
			if i%20 == 0 {
				m.Log.Add("order-"+oid, order.Cancelled{Reason: "changed mind", At: at(i)})
			} else {
				d.Sold += qty
			}
		}
	}
	for _, d := range m.Docs {
		d.InStock = d.Stock > 0
	}
	return m
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// live lists the products on sale.
func (m *Model) live() []*expected {
	var out []*expected
	for _, id := range slices.Sorted(maps.Keys(m.Docs)) {
		if d := m.Docs[id]; !d.delisted {
			out = append(out, d)
		}
	}
	return out
}

// Match is the oracle of every filter (not of text, which it leaves to
// the backend).
func (m *Model) Match(q search.Query) []*expected {
	var out []*expected
	for _, d := range m.live() {
		if matches(&d.Document, q) {
			out = append(out, d)
		}
	}
	return out
}

func matches(d *search.Document, q search.Query) bool {
	for f, want := range q.Terms {
		if !slices.ContainsFunc(d.Values(f), func(v string) bool { return slices.Contains(want, v) }) {
			return false
		}
	}
	price, sold := d.Prices[string(q.Currency)]
	if (q.PriceMin != nil || q.PriceMax != nil || q.Sort == search.PriceAsc || q.Sort == search.PriceDesc) && !sold {
		return false
	}
	if q.PriceMin != nil && price < *q.PriceMin || q.PriceMax != nil && price > *q.PriceMax {
		return false
	}
	if q.RatingMin != nil && d.Rating < *q.RatingMin {
		return false
	}
	if q.InStock != nil && d.InStock != *q.InStock {
		return false
	}
	return true
}

// Facets counts the oracle's facets over docs.
func Facets(docs []*expected, c domain.Currency) map[string]map[string]int {
	out := map[string]map[string]int{}
	add := func(f, v string) {
		if out[f] == nil {
			out[f] = map[string]int{}
		}
		out[f][v]++
	}
	for _, d := range docs {
		for _, f := range search.TermFields() {
			for _, v := range d.Values(f) {
				add(f, v)
			}
		}
		if p, ok := d.Prices[string(c)]; ok {
			for _, b := range search.PriceBands() {
				if b.Scale(search.Minor(c)).In(float64(p)) {
					add(search.FacetPrice, b.Name)
				}
			}
		}
		for _, b := range search.RatingBands() {
			if b.In(d.Rating) {
				add(search.FacetRating, b.Name)
			}
		}
		add(search.FacetInStock, fmt.Sprint(d.InStock))
	}
	return out
}
