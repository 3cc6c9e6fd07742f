package invoice

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/blob"
)

// Key is where an order's invoice is stored.
func Key(id domain.OrderID) string { return string(blob.Invoice) + "/" + string(id) + "/invoice.pdf" }

// Projector issues invoices: on order.confirmed it reads the order's
// order.placed, renders the invoice dated at the confirmation and stores
// it. It is idempotent (the same key, the same bytes), so the runner may
// deliver an event again; it writes no rows, so Reset has nothing to drop
// (an issued invoice stays issued).
type Projector struct {
	Store eventstore.Store // to read the order's placed event
	Reg   *eventstore.Registry
	Blobs blob.Store
}

// Name is the projector's checkpoint key.
func (*Projector) Name() string { return "invoices" }

// Handle implements projections.Idempotent.
func (p *Projector) Handle(ctx context.Context, events []eventstore.RecordedEvent) error {
	for _, ev := range events {
		if ev.Type != order.TypeConfirmed {
			continue
		}
		if err := p.issue(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// Reset implements projections.Idempotent.
func (*Projector) Reset(context.Context) error { return nil }

func (p *Projector) issue(ctx context.Context, confirmed eventstore.RecordedEvent) error {
	e, err := p.Reg.DecodeRecorded(confirmed)
	if err != nil {
		return err
	}
	c, ok := e.(order.Confirmed)
	if !ok {
		return fmt.Errorf("invoice: %s decoded as %T", confirmed.Type, e)
	}
	recs, err := p.Store.ReadStream(ctx, confirmed.StreamID, eventstore.ReadStreamOptions{Limit: 1})
	if err != nil {
		return fmt.Errorf("invoice: read %s: %w", confirmed.StreamID, err)
	}
	if len(recs) == 0 || recs[0].Type != order.TypePlaced {
		return fmt.Errorf("invoice: %s does not start with %s", confirmed.StreamID, order.TypePlaced)
	}
	pe, err := p.Reg.DecodeRecorded(recs[0])
	if err != nil {
		return err
	}
	placed, ok := pe.(order.Placed)
	if !ok {
		return errors.New("invoice: order.placed decoded as another type")
	}
	pdf, err := Render(FromPlaced(placed, c.At))
	if err != nil {
		return err
	}
	if _, err := p.Blobs.Put(ctx, blob.Invoice, Key(placed.OrderID), blob.PDF, int64(len(pdf)), bytes.NewReader(pdf)); err != nil {
		return fmt.Errorf("invoice: store %s: %w", placed.OrderID, err)
	}
	return nil
}
