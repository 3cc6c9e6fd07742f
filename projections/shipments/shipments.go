package shipments

import (
	"context"
	"fmt"
	"strings"

	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/shipments/shipmentq"
)

// Name is the projector's checkpoint key: shipmentq.View, versioned with
// the tables, so a new layout rebuilds from zero into tables of its own.
const Name = shipmentq.View

// Projector builds the shipments view.
type Projector struct{ reg *eventstore.Registry }

// New returns the projector; reg decodes (and upcasts) the events.
func New(reg *eventstore.Registry) *Projector { return &Projector{reg: reg} }

func (*Projector) Name() string { return Name }

func (*Projector) Tables() []projections.Table {
	return []projections.Table{
		{Name: shipmentq.TableShipments, DDL: []string{
			`CREATE TABLE {tracking_v2} (shipment_id TEXT PRIMARY KEY, carrier TEXT NOT NULL, tracking_number TEXT NOT NULL,
				order_id TEXT NOT NULL, sub_order_id TEXT NOT NULL, vendor_id TEXT NOT NULL,
				status TEXT NOT NULL, carrier_status TEXT NOT NULL, label_key TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)`,
			`CREATE INDEX {tracking_v2}_by_number ON {tracking_v2} (tracking_number, carrier)`,
		}},
		{Name: shipmentq.TableEvents, DDL: []string{
			`CREATE TABLE {tracking_events_v2} (shipment_id TEXT NOT NULL, event_id TEXT NOT NULL, seq BIGINT NOT NULL,
				occurred_at BIGINT NOT NULL, status TEXT NOT NULL, carrier_status TEXT NOT NULL, location TEXT NOT NULL,
				PRIMARY KEY (shipment_id, event_id))`,
		}},
	}
}

func (*Projector) Reset(ctx context.Context, tx *projections.Tx) error {
	if _, err := tx.Exec(ctx, `DELETE FROM {tracking_v2}`); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM {tracking_events_v2}`)
	return err
}

// HandleBatch applies shipment events; others pass.
func (p *Projector) HandleBatch(ctx context.Context, tx *projections.Tx, events []eventstore.RecordedEvent) error {
	for _, ev := range events {
		if !strings.HasPrefix(ev.Type, "shipment.") {
			continue
		}
		e, err := p.reg.DecodeRecorded(ev)
		if err != nil {
			return fmt.Errorf("decode %s at %d: %w", ev.Type, ev.Position, err)
		}
		id := strings.TrimPrefix(ev.StreamID, "shipment-")
		switch e := e.(type) {
		case shipment.Created:
			_, err = tx.Exec(ctx, `INSERT INTO {tracking_v2} (shipment_id, carrier, tracking_number, order_id, sub_order_id, vendor_id, status, carrier_status, label_key, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)`, id, string(e.Carrier), e.TrackingNumber, string(e.OrderID), string(e.SubOrderID),
				string(e.VendorID), string(shipment.StatusCreated), e.LabelKey, e.At.UnixNano(), e.At.UnixNano())
			if err == nil {
				_, err = tx.Exec(ctx, `INSERT INTO {tracking_events_v2} (shipment_id, event_id, seq, occurred_at, status, carrier_status, location)
					VALUES (?, ?, ?, ?, ?, 'label created', '')`, id, ev.ID, int64(ev.Position), e.At.UnixNano(), string(shipment.StatusCreated))
			}
		case shipment.StatusChanged:
			// The status is that of the latest event by when it happened,
			// whatever order the webhooks came in.
			_, err = tx.Exec(ctx, `UPDATE {tracking_v2} SET status = ?, carrier_status = ?, updated_at = ? WHERE shipment_id = ? AND updated_at <= ?`,
				string(e.Status), e.CarrierStatus, e.OccurredAt.UnixNano(), id, e.OccurredAt.UnixNano())
			if err == nil {
				_, err = tx.Exec(ctx, `INSERT INTO {tracking_events_v2} (shipment_id, event_id, seq, occurred_at, status, carrier_status, location)
					VALUES (?, ?, ?, ?, ?, ?, ?)`, id, ev.ID, int64(ev.Position), e.OccurredAt.UnixNano(), string(e.Status), e.CarrierStatus, e.Location)
			}
		}
		if err != nil {
			return fmt.Errorf("%s at %d: %w", ev.Type, ev.Position, err)
		}
	}
	return nil
}
