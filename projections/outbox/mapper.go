package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/integration"
)

// ErrUndecodable marks an event the mapper cannot turn into its integration
// event (a payload that does not decode, a stream without the event that
// should open it): retrying cannot help, so it is the runner's to park.
var ErrUndecodable = errors.New("outbox: event cannot be mapped")

// Streams reads a stream's first event, which some payloads need (a capture
// carries no order ID; the payment's initiation does).
type Streams interface {
	ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error)
}

// Mapper maps stored domain events to integration events. It is the one
// place where a domain event's shape meets a published schema: when a
// domain event changes, this code changes and the golden files prove the
// published payloads did not.
type Mapper struct {
	reg     *eventstore.Registry
	streams Streams
}

// NewMapper returns a mapper; reg decodes (and upcasts) stored events,
// streams reads the opening event of payment and shipment streams.
func NewMapper(reg *eventstore.Registry, streams Streams) *Mapper {
	return &Mapper{reg: reg, streams: streams}
}

// Map returns the integration event an event publishes, or false when it
// publishes none (most internal events do not).
func (m *Mapper) Map(ctx context.Context, ev eventstore.RecordedEvent) (integration.Event, bool, error) {
	if !published(ev.Type) {
		return integration.Event{}, false, nil
	}
	v, err := m.reg.DecodeRecorded(ev)
	if err != nil {
		return integration.Event{}, false, fmt.Errorf("%w: %s at %d: %w", ErrUndecodable, ev.Type, ev.Position, err)
	}
	topic, payload, err := m.payload(ctx, ev, v)
	if err != nil {
		return integration.Event{}, false, fmt.Errorf("outbox: map %s at %d: %w", ev.Type, ev.Position, err)
	}
	if topic == "" {
		return integration.Event{}, false, nil
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return integration.Event{}, false, fmt.Errorf("%w: %s at %d: %w", ErrUndecodable, ev.Type, ev.Position, err)
	}
	return integration.Event{
		ID: ev.ID, Type: topic, SchemaVersion: integration.Versions()[topic],
		Key: aggregateID(ev.StreamID), Position: uint64(ev.Position), Revision: ev.StreamRevision,
		RecordedAt: ev.Metadata.RecordedAt.UTC(), Payload: data,
	}, true, nil
}

// published reports whether an internal event type maps to a topic, before
// paying for its decoding.
func published(t string) bool {
	switch {
	case strings.HasPrefix(t, "order."), strings.HasPrefix(t, "inventory."):
		return true
	}
	switch t {
	case payment.TypeCaptured, user.TypeRegistered, user.TypeForgotten, shipment.TypeCreated, shipment.TypeStatusChanged:
		return true
	}
	return false
}

// aggregateID is the stream's ID without its category ("order-o1" → "o1";
// "inventory-sku@loc" → "sku@loc"): categories never contain '-'.
func aggregateID(stream string) string {
	if _, id, ok := strings.Cut(stream, "-"); ok {
		return id
	}
	return stream
}

func (m *Mapper) payload(ctx context.Context, ev eventstore.RecordedEvent, v any) (string, any, error) {
	id := aggregateID(ev.StreamID)
	upd := func(change string, at time.Time) integration.OrderUpdatedV1 {
		return integration.OrderUpdatedV1{OrderID: id, Change: change, At: at.UTC()}
	}
	switch e := v.(type) {
	case order.Placed:
		return integration.TopicOrderCreated, orderCreated(e), nil
	case order.Paid:
		u := upd(integration.OrderPaid, e.At)
		u.PaymentID, u.Amount = string(e.PaymentID), moneyPtr(e.Amount)
		return integration.TopicOrderUpdated, u, nil
	case order.Confirmed:
		return integration.TopicOrderUpdated, upd(integration.OrderConfirmed, e.At), nil
	case order.SubOrderFulfilled:
		u := upd(integration.OrderSubOrderFulfilled, e.At)
		u.SubOrderID = string(e.SubOrderID)
		return integration.TopicOrderUpdated, u, nil
	case order.SubOrderShipped:
		u := upd(integration.OrderSubOrderShipped, e.At)
		u.SubOrderID, u.ShipmentID = string(e.SubOrderID), string(e.ShipmentID)
		return integration.TopicOrderUpdated, u, nil
	case order.SubOrderDelivered:
		u := upd(integration.OrderSubOrderDelivered, e.At)
		u.SubOrderID = string(e.SubOrderID)
		return integration.TopicOrderUpdated, u, nil
	case order.SubOrderCancelled:
		u := upd(integration.OrderSubOrderCancelled, e.At)
		u.SubOrderID, u.Reason = string(e.SubOrderID), e.Reason
		return integration.TopicOrderUpdated, u, nil
	case order.Delivered:
		return integration.TopicOrderUpdated, upd(integration.OrderDelivered, e.At), nil
	case order.Completed:
		return integration.TopicOrderUpdated, upd(integration.OrderCompleted, e.At), nil
	case order.Cancelled:
		u := upd(integration.OrderCancelled, e.At)
		u.Reason = e.Reason
		return integration.TopicOrderUpdated, u, nil

	case payment.Captured:
		var in payment.Initiated
		if err := m.opening(ctx, ev.StreamID, &in); err != nil {
			return "", nil, err
		}
		return integration.TopicPaymentCompleted, integration.PaymentCompletedV1{
			PaymentID: string(in.PaymentID), OrderID: string(in.OrderID), CustomerID: string(in.CustomerID),
			Method: string(in.Method), Provider: in.Provider, Amount: money(e.Amount), CapturedAt: e.At.UTC(),
		}, nil

	case inventory.Received:
		return integration.TopicInventoryUpdated, stock(e.SKU, e.Location, integration.StockReceived, e.Quantity, 0, e.At), nil
	case inventory.Adjusted:
		s := stock(e.SKU, e.Location, integration.StockAdjusted, e.Delta, 0, e.At)
		s.Reason = string(e.Reason)
		return integration.TopicInventoryUpdated, s, nil
	case inventory.Reserved:
		s := stock(e.SKU, e.Location, integration.StockReserved, 0, e.Quantity, e.At)
		s.ReservationID, s.OrderID = string(e.ReservationID), string(e.OrderID)
		return integration.TopicInventoryUpdated, s, nil
	case inventory.ReservationCommitted:
		s := stock(e.SKU, e.Location, integration.StockReservationCommitted, -e.Quantity, -e.Quantity, e.At)
		s.ReservationID = string(e.ReservationID)
		return integration.TopicInventoryUpdated, s, nil
	case inventory.ReservationReleased:
		s := stock(e.SKU, e.Location, integration.StockReservationReleased, 0, -e.Quantity, e.At)
		s.ReservationID, s.Reason = string(e.ReservationID), e.Reason
		return integration.TopicInventoryUpdated, s, nil
	case inventory.ReservationExpired:
		s := stock(e.SKU, e.Location, integration.StockReservationExpired, 0, -e.Quantity, e.At)
		s.ReservationID = string(e.ReservationID)
		return integration.TopicInventoryUpdated, s, nil

	case user.Registered:
		return integration.TopicUserRegistered, integration.UserRegisteredV1{
			UserID: string(e.UserID), Email: e.Email, Role: string(e.Role), VendorID: string(e.VendorID),
			Name: e.Profile.Name, Locale: e.Profile.Locale, RegisteredAt: e.At.UTC(),
		}, nil

	case user.Forgotten: // the reason and who forgot stay in souq: the reason may quote the customer
		return integration.TopicUserErased, integration.UserErasedV1{UserID: id, ErasedAt: e.At.UTC()}, nil

	case shipment.Created:
		return integration.TopicShipmentCreated, integration.ShipmentCreatedV1{
			ShipmentID: string(e.ShipmentID), OrderID: string(e.OrderID), SubOrderID: string(e.SubOrderID),
			VendorID: string(e.VendorID), Carrier: string(e.Carrier), TrackingNumber: e.TrackingNumber,
			CODAmount: moneyPtr(e.CODAmount), CreatedAt: e.At.UTC(),
		}, nil
	case shipment.StatusChanged:
		var c shipment.Created
		if err := m.opening(ctx, ev.StreamID, &c); err != nil {
			return "", nil, err
		}
		return integration.TopicDeliveryStatus, integration.DeliveryStatusV1{
			ShipmentID: string(c.ShipmentID), OrderID: string(c.OrderID), SubOrderID: string(c.SubOrderID),
			Carrier: string(c.Carrier), TrackingNumber: c.TrackingNumber, Status: string(e.Status),
			CarrierStatus: e.CarrierStatus, Location: e.Location, Collected: moneyPtr(e.Collected),
			OccurredAt: e.OccurredAt.UTC(),
		}, nil
	}
	return "", nil, nil // an order or inventory event type this version does not publish
}

// opening decodes the first event of a stream into into, which must be of
// the type the stream opens with.
func (m *Mapper) opening(ctx context.Context, stream string, into any) error {
	evs, err := m.streams.ReadStream(ctx, stream, eventstore.ReadStreamOptions{From: 0, Limit: 1})
	if err != nil {
		var nf *eventstore.StreamNotFoundError
		if errors.As(err, &nf) {
			return fmt.Errorf("%w: stream %s is empty: %w", ErrUndecodable, stream, err)
		}
		return fmt.Errorf("read the opening event of %s: %w", stream, err)
	}
	if len(evs) == 0 {
		return fmt.Errorf("%w: stream %s is empty", ErrUndecodable, stream)
	}
	v, err := m.reg.DecodeRecorded(evs[0])
	if err != nil {
		return fmt.Errorf("%w: opening event of %s: %w", ErrUndecodable, stream, err)
	}
	switch p := into.(type) {
	case *payment.Initiated:
		if e, ok := v.(payment.Initiated); ok {
			*p = e
			return nil
		}
	case *shipment.Created:
		if e, ok := v.(shipment.Created); ok {
			*p = e
			return nil
		}
	}
	return fmt.Errorf("%w: stream %s opens with %s, not the event expected", ErrUndecodable, stream, evs[0].Type)
}

func orderCreated(e order.Placed) integration.OrderCreatedV1 {
	o := integration.OrderCreatedV1{
		OrderID: string(e.OrderID), CustomerID: string(e.CustomerID), Country: string(e.Country),
		PaymentMethod: string(e.PaymentMethod),
		Lines:         make([]integration.OrderLineV1, 0, len(e.Lines)),
		SubOrders:     make([]integration.OrderSubOrderV1, 0, len(e.SubOrders)),
		Subtotal:      money(e.Totals.Subtotal), Discount: money(e.Totals.Discount), Shipping: money(e.Totals.Shipping),
		VAT: money(e.Totals.VAT), Total: money(e.Totals.Total), PlacedAt: e.At.UTC(),
	}
	for _, l := range e.Lines {
		o.Lines = append(o.Lines, integration.OrderLineV1{
			SKU: string(l.SKU), ProductID: string(l.ProductID), VendorID: string(l.VendorID),
			Quantity: l.Quantity, UnitPrice: money(l.UnitPrice), Total: money(l.Total),
		})
	}
	for _, s := range e.SubOrders {
		o.SubOrders = append(o.SubOrders, integration.OrderSubOrderV1{
			SubOrderID: string(s.ID), VendorID: string(s.VendorID), Total: money(s.Total),
		})
	}
	return o
}

func stock(sku domain.SKU, loc domain.LocationID, change string, onHand, reserved int64, at time.Time) integration.InventoryUpdatedV1 {
	return integration.InventoryUpdatedV1{
		SKU: string(sku), Location: string(loc), Change: change,
		OnHandDelta: onHand, ReservedDelta: reserved, AvailableDelta: onHand - reserved, At: at.UTC(),
	}
}

func money(m domain.Money) integration.Money {
	return integration.Money{Amount: m.Amount(), Currency: string(m.Currency())}
}

// moneyPtr leaves out an amount that is not there (the zero Money).
func moneyPtr(m domain.Money) *integration.Money {
	if m == (domain.Money{}) {
		return nil
	}
	v := money(m)
	return &v
}
