package cached

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/cache"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/products/productq"
)

// Name is the projector's checkpoint key.
const Name = productq.CacheView

// Projector writes the stock counters and invalidates product details.
type Projector struct {
	reg   *eventstore.Registry
	cache cache.Cache
}

var _ projections.Idempotent = (*Projector)(nil)

// New returns the projector over c; reg decodes the inventory events.
func New(reg *eventstore.Registry, c cache.Cache) (*Projector, error) {
	if reg == nil || c == nil {
		return nil, errors.New("cache projector: a registry and a cache are needed")
	}
	return &Projector{reg: reg, cache: c}, nil
}

func (*Projector) Name() string { return Name }

// Reset empties the projector's keys and marks the cache primed.
func (p *Projector) Reset(ctx context.Context) error {
	for _, prefix := range []string{productq.StockPrefix, productq.DetailPrefix} {
		if err := p.cache.Clear(ctx, prefix); err != nil {
			return err
		}
	}
	if err := p.cache.Clear(ctx, productq.MetaKey); err != nil {
		return err
	}
	_, err := p.cache.Add(ctx, productq.MetaKey, "primed", 0, map[string]int64{"n": 1})
	return err
}

// Lost reports whether the cache lacks what this projector wrote: the
// caller must reset it (projections.Runner.Reset) before it runs.
func (p *Projector) Lost(ctx context.Context) (bool, error) {
	gs, err := p.cache.Counters(ctx, productq.MetaKey)
	if err != nil {
		return false, err
	}
	_, ok := gs[0]["primed"]
	return !ok, nil
}

// Handle applies a batch, one cache write per event. A cache that cannot
// be reached fails it as projections.Transient: the runner waits Redis out
// instead of parking the events.
func (p *Projector) Handle(ctx context.Context, events []eventstore.RecordedEvent) error {
	for _, ev := range events {
		if err := p.apply(ctx, ev); err != nil {
			return projections.TransientNet(fmt.Errorf("cache projector: %s at %d: %w", ev.Type, ev.Position, err))
		}
	}
	return nil
}

func (p *Projector) apply(ctx context.Context, ev eventstore.RecordedEvent) error {
	switch {
	case strings.HasPrefix(ev.Type, "product."):
		id := strings.TrimPrefix(ev.StreamID, "product-")
		return p.cache.Invalidate(ctx, productq.DetailPrefix+id, ev.StreamRevision, productq.DetailTTL)
	case !strings.HasPrefix(ev.Type, "inventory."):
		return nil
	}
	e, err := p.reg.DecodeRecorded(ev)
	if err != nil {
		return err
	}
	var sku, loc string
	var onHand, reserved int64
	switch e := e.(type) {
	case inventory.Received:
		sku, loc, onHand = string(e.SKU), string(e.Location), e.Quantity
	case inventory.Adjusted:
		sku, loc, onHand = string(e.SKU), string(e.Location), e.Delta
	case inventory.Reserved:
		sku, loc, reserved = string(e.SKU), string(e.Location), e.Quantity
	case inventory.ReservationCommitted:
		sku, loc, onHand, reserved = string(e.SKU), string(e.Location), -e.Quantity, -e.Quantity
	case inventory.ReservationReleased:
		sku, loc, reserved = string(e.SKU), string(e.Location), -e.Quantity
	case inventory.ReservationExpired:
		sku, loc, reserved = string(e.SKU), string(e.Location), -e.Quantity
	default:
		return nil
	}
	// One group per location: each is its own inventory stream, with its
	// own revision.
	_, err = p.cache.Add(ctx, productq.StockPrefix+sku, loc, ev.StreamRevision,
		map[string]int64{productq.FieldOnHand: onHand, productq.FieldReserved: reserved})
	return err
}
