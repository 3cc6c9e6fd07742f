package process

import (
	"context"
	"fmt"
	"strings"

	"github.com/souq-market/souq/commands"
	ordercmd "github.com/souq-market/souq/commands/order"
	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/eventstore"
)

// FulfilmentName is the fulfilment manager's checkpoint key.
const FulfilmentName = "process.fulfilment"

// Fulfilment moves sub-orders with their parcels:
//
//	shipment.status_changed in transit, out for delivery or a failed
//	                    attempt → the sub-order is fulfilled and shipped
//	… delivered         → fulfilled, shipped and delivered; the last
//	                      sub-order delivered delivers the order (the order
//	                      aggregate decides that); cash the carrier
//	                      collected captures the cash-on-delivery payment
//
// A carrier moving a parcel proves the vendor packed it, so the steps the
// vendor skipped are filled in, each a no-op when already done. A parcel of
// a cancelled sub-order or order changes nothing and is logged. The order is
// completed after its return window by the Settlement sweeper.
type Fulfilment struct {
	Deps
}

// NewFulfilment fills the defaults.
func NewFulfilment(d Deps) *Fulfilment { return &Fulfilment{Deps: d.withDefaults()} }

// Name is the checkpoint key.
func (f *Fulfilment) Name() string { return FulfilmentName }

// Handle runs the steps for each event, in order; the first step that
// fails fails the batch, which is then delivered again.
func (f *Fulfilment) Handle(ctx context.Context, events []eventstore.RecordedEvent) error {
	for _, r := range events {
		if r.Type != shipment.TypeStatusChanged {
			continue
		}
		e, err := f.decode(r)
		if err != nil {
			return err
		}
		if c, ok := e.(shipment.StatusChanged); ok {
			err = f.moved(ctx, r, c)
		}
		if err != nil {
			return fmt.Errorf("%s: %s at %d: %w", FulfilmentName, r.Type, r.Position, err)
		}
	}
	return nil
}

// parcel is a shipment that keeps its creation: the order it belongs to
// has no accessor on domain/shipment.
type parcel struct {
	*shipment.Shipment
	created shipment.Created
}

func (p *parcel) Apply(e domain.Event) {
	if c, ok := e.(shipment.Created); ok {
		p.created = c
	}
	p.Shipment.Apply(e)
}

func (f *Fulfilment) moved(ctx context.Context, r eventstore.RecordedEvent, c shipment.StatusChanged) error {
	var steps []string
	switch c.Status {
	case shipment.InTransit, shipment.OutForDelivery, shipment.FailedAttempt:
		steps = []string{"fulfil", "ship"}
	case shipment.Delivered:
		steps = []string{"fulfil", "ship", "deliver"}
	default:
		return nil
	}
	id := domain.ShipmentID(strings.TrimPrefix(r.StreamID, "shipment-"))
	if s, err := commands.ShipmentStream(id); err != nil || s != r.StreamID {
		return nil
	}
	p, err := commands.Load(ctx, f.Exec, r.StreamID, func() *parcel { return &parcel{Shipment: shipment.New(id)} })
	if err != nil {
		return err
	}
	if p.created.OrderID == "" {
		return nil
	}
	oid, sub := p.created.OrderID, p.created.SubOrderID
	d := ordercmd.Deps{Exec: f.Exec, Now: f.Now}
	for _, step := range steps {
		var err error
		meta := Meta(FulfilmentName, r, step+" sub-order")
		switch step {
		case "fulfil":
			_, err = ordercmd.FulfilSubOrder{Deps: d}.Handle(ctx, ordercmd.For[order.FulfilSubOrder]{OrderID: oid, Cmd: order.FulfilSubOrder{SubOrderID: sub}}, meta)
		case "ship":
			_, err = ordercmd.ShipSubOrder{Deps: d}.Handle(ctx, ordercmd.For[order.ShipSubOrder]{OrderID: oid, Cmd: order.ShipSubOrder{SubOrderID: sub, ShipmentID: id}}, meta)
		case "deliver":
			_, err = ordercmd.DeliverSubOrder{Deps: d}.Handle(ctx, ordercmd.For[order.DeliverSubOrder]{OrderID: oid, Cmd: order.DeliverSubOrder{SubOrderID: sub}}, meta)
		}
		if e, ok := refusal(err); ok {
			// A cancelled sub-order or order, or one never confirmed: the
			// parcel is for support to look at, not for a retry.
			f.Logger.WarnContext(ctx, "parcel moved for a sub-order that cannot follow", "order_id", oid, "sub_order_id", sub,
				"shipment_id", id, "status", c.Status, "code", e.Code)
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s sub-order %s of %s: %w", step, sub, oid, err)
		}
	}
	if c.Status == shipment.Delivered && c.Collected.IsPositive() {
		return f.collected(ctx, r, oid, c)
	}
	return nil
}

// collected captures a cash-on-delivery payment with what the carrier
// collected; the carrier's event ID makes a second delivery of it a no-op.
func (f *Fulfilment) collected(ctx context.Context, r eventstore.RecordedEvent, oid domain.OrderID, c shipment.StatusChanged) error {
	pid := PaymentID(oid)
	stream, err := commands.PaymentStream(pid)
	if err != nil {
		return err
	}
	p, err := load(ctx, f.Exec, stream, func() *payment.Payment { return payment.New(pid) })
	if err != nil {
		return err
	}
	if p.Method() != payment.COD {
		return nil
	}
	_, err = paycmd.Capture{Deps: paycmd.Deps{Exec: f.Exec, Now: f.Now}}.Handle(ctx, paycmd.For[payment.Capture]{PaymentID: pid,
		Cmd: payment.Capture{Event: payment.ProviderEvent{EventID: "carrier:" + c.CarrierEventID, ProviderRef: p.ProviderRef()}, Amount: c.Collected}},
		Meta(FulfilmentName, r, "capture cash collected"))
	if e, ok := refusal(err); ok {
		f.Logger.WarnContext(ctx, "cash collected could not be captured", "order_id", oid, "payment_id", pid, "code", e.Code, "collected", c.Collected.String())
		return nil
	}
	return err
}
