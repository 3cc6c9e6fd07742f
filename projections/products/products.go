package products

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/products/productq"
)

// Name is the projector's checkpoint key.
const Name = productq.View

// Projector builds the view.
type Projector struct{ reg *eventstore.Registry }

// New returns the projector; reg decodes (and upcasts) the events.
func New(reg *eventstore.Registry) *Projector { return &Projector{reg: reg} }

func (*Projector) Name() string { return Name }

func (*Projector) Tables() []projections.Table {
	return []projections.Table{{Name: productq.Table, DDL: []string{
		`CREATE TABLE {products} (product_id TEXT PRIMARY KEY, vendor_id TEXT NOT NULL, revision BIGINT NOT NULL,
			status TEXT NOT NULL, details TEXT NOT NULL, variants TEXT NOT NULL, listed_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)`,
	}}}
}

func (*Projector) Reset(ctx context.Context, tx *projections.Tx) error {
	_, err := tx.Exec(ctx, "DELETE FROM {products}")
	return err
}

// HandleBatch applies the product events; others pass.
func (p *Projector) HandleBatch(ctx context.Context, tx *projections.Tx, events []eventstore.RecordedEvent) error {
	for _, ev := range events {
		if !strings.HasPrefix(ev.Type, "product.") {
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
	id := strings.TrimPrefix(ev.StreamID, "product-")
	at := ev.Metadata.RecordedAt.UnixNano()
	if l, ok := e.(product.Listed); ok {
		details, err := json.Marshal(l.Details)
		if err != nil {
			return err
		}
		variants, err := json.Marshal(toVariants(l.Variants))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO {products} (product_id, vendor_id, revision, status, details, variants, listed_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, string(l.VendorID), ev.StreamRevision, productq.OnSale, string(details), string(variants), at, at)
		return err
	}
	// Every later event changes the row the listing made.
	var details, variants string
	if err := tx.QueryRow(ctx, `SELECT details, variants FROM {products} WHERE product_id = ?`, id).Scan(&details, &variants); err != nil {
		return fmt.Errorf("product %s: %w", id, err)
	}
	status := ""
	var vs []productq.Variant
	if err := json.Unmarshal([]byte(variants), &vs); err != nil {
		return err
	}
	switch e := e.(type) {
	case product.Updated:
		b, err := json.Marshal(e.Details)
		if err != nil {
			return err
		}
		details = string(b)
	case product.VariantAdded:
		vs = append(vs, toVariants([]product.Variant{e.Variant})...)
	case product.Repriced:
		for i := range vs {
			if vs[i].SKU == string(e.SKU) {
				vs[i].Prices = toVariants([]product.Variant{{Prices: e.Prices}})[0].Prices
			}
		}
	case product.Delisted:
		status = productq.Delisted
	}
	b, err := json.Marshal(vs)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE {products} SET revision = ?, details = ?, variants = ?, status = CASE WHEN ? = '' THEN status ELSE ? END,
		updated_at = ? WHERE product_id = ?`, ev.StreamRevision, details, string(b), status, status, at, id)
	return err
}

func toVariants(in []product.Variant) []productq.Variant {
	out := make([]productq.Variant, 0, len(in))
	for _, v := range in {
		pv := productq.Variant{SKU: string(v.SKU), SizeML: v.SizeML, Prices: map[string]productq.Money{}}
		for c, m := range v.Prices {
			pv.Prices[string(c)] = productq.Money{Amount: m.Amount(), Currency: string(m.Currency())}
		}
		out = append(out, pv)
	}
	return out
}
