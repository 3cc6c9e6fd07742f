package inventory

import (
	"context"
	"fmt"
	"strings"

	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/inventory/stockq"
)

// Name is the projector's checkpoint key.
const Name = "inventory"

// Projector builds the inventory view.
type Projector struct{ reg *eventstore.Registry }

// New returns the projector; reg decodes (and upcasts) the events.
func New(reg *eventstore.Registry) *Projector { return &Projector{reg: reg} }

func (*Projector) Name() string { return Name }

func (*Projector) Tables() []projections.Table {
	return []projections.Table{
		{Name: stockq.TableStock, DDL: []string{
			`CREATE TABLE {stock} (sku TEXT NOT NULL, location TEXT NOT NULL, on_hand BIGINT NOT NULL, reserved BIGINT NOT NULL,
				updated_at BIGINT NOT NULL, PRIMARY KEY (sku, location))`,
		}},
		{Name: stockq.TableOwners, DDL: []string{`CREATE TABLE {stock_owners} (sku TEXT PRIMARY KEY, vendor_id TEXT NOT NULL)`}},
		{Name: stockq.TableProducts, DDL: []string{`CREATE TABLE {stock_products} (product_id TEXT PRIMARY KEY, vendor_id TEXT NOT NULL)`}},
	}
}

func (*Projector) Reset(ctx context.Context, tx *projections.Tx) error {
	for _, t := range []string{"{stock}", "{stock_owners}", "{stock_products}"} {
		if _, err := tx.Exec(ctx, "DELETE FROM "+t); err != nil {
			return err
		}
	}
	return nil
}

// HandleBatch applies inventory events and the product events that say who
// owns a SKU; others pass.
func (p *Projector) HandleBatch(ctx context.Context, tx *projections.Tx, events []eventstore.RecordedEvent) error {
	for _, ev := range events {
		switch {
		case strings.HasPrefix(ev.Type, "inventory."):
		case ev.Type == product.TypeListed || ev.Type == product.TypeVariantAdded:
		default:
			continue
		}
		e, err := p.reg.DecodeRecorded(ev)
		if err != nil {
			return fmt.Errorf("decode %s at %d: %w", ev.Type, ev.Position, err)
		}
		if err := apply(ctx, tx, ev, e); err != nil {
			return fmt.Errorf("%s at %d: %w", ev.Type, ev.Position, err)
		}
	}
	return nil
}

func apply(ctx context.Context, tx *projections.Tx, ev eventstore.RecordedEvent, e any) error {
	at := ev.Metadata.RecordedAt.UnixNano()
	// move adds to on hand and reserved of a SKU at a location.
	move := func(sku, loc string, onHand, reserved int64) error {
		_, err := tx.Exec(ctx, `INSERT INTO {stock} (sku, location, on_hand, reserved, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (sku, location) DO UPDATE SET on_hand = {stock}.on_hand + excluded.on_hand,
				reserved = {stock}.reserved + excluded.reserved, updated_at = excluded.updated_at`, sku, loc, onHand, reserved, at)
		return err
	}
	own := func(sku, vendor string) error {
		_, err := tx.Exec(ctx, `INSERT INTO {stock_owners} (sku, vendor_id) VALUES (?, ?) ON CONFLICT (sku) DO UPDATE SET vendor_id = excluded.vendor_id`, sku, vendor)
		return err
	}
	switch e := e.(type) {
	case inventory.Received:
		return move(string(e.SKU), string(e.Location), e.Quantity, 0)
	case inventory.Adjusted:
		return move(string(e.SKU), string(e.Location), e.Delta, 0)
	case inventory.Reserved:
		return move(string(e.SKU), string(e.Location), 0, e.Quantity)
	case inventory.ReservationCommitted:
		return move(string(e.SKU), string(e.Location), -e.Quantity, -e.Quantity)
	case inventory.ReservationReleased:
		return move(string(e.SKU), string(e.Location), 0, -e.Quantity)
	case inventory.ReservationExpired:
		return move(string(e.SKU), string(e.Location), 0, -e.Quantity)
	case product.Listed:
		if _, err := tx.Exec(ctx, `INSERT INTO {stock_products} (product_id, vendor_id) VALUES (?, ?)
			ON CONFLICT (product_id) DO UPDATE SET vendor_id = excluded.vendor_id`, string(e.ProductID), string(e.VendorID)); err != nil {
			return err
		}
		for _, v := range e.Variants {
			if err := own(string(v.SKU), string(e.VendorID)); err != nil {
				return err
			}
		}
	case product.VariantAdded:
		// The variant's product was listed earlier in its own stream.
		var vendor string
		id := strings.TrimPrefix(ev.StreamID, "product-")
		if err := tx.QueryRow(ctx, `SELECT vendor_id FROM {stock_products} WHERE product_id = ?`, id).Scan(&vendor); err != nil {
			return fmt.Errorf("product %s: %w", id, err)
		}
		return own(string(e.Variant.SKU), vendor)
	}
	return nil
}
