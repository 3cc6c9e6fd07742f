package orders

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/orders/orderq"
)

// Name is the projector's checkpoint key.
const Name = "orders"

// Projector builds the orders view.
type Projector struct {
	reg *eventstore.Registry
}

// New returns the projector; reg decodes (and upcasts) the events.
func New(reg *eventstore.Registry) *Projector { return &Projector{reg: reg} }

func (*Projector) Name() string { return Name }

func (*Projector) Tables() []projections.Table {
	return []projections.Table{
		{Name: orderq.TableOrders, DDL: []string{
			`CREATE TABLE {orders} (
				order_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, placed_at BIGINT NOT NULL,
				status TEXT NOT NULL, payment_status TEXT NOT NULL, fulfilment TEXT NOT NULL,
				country TEXT NOT NULL, payment_method TEXT NOT NULL, currency TEXT NOT NULL,
				subtotal BIGINT NOT NULL, discount BIGINT NOT NULL, shipping BIGINT NOT NULL, vat BIGINT NOT NULL,
				total BIGINT NOT NULL, wallet BIGINT NOT NULL, due BIGINT NOT NULL, cashback BIGINT NOT NULL,
				captured BIGINT NOT NULL DEFAULT 0, refunded BIGINT NOT NULL DEFAULT 0, charged_back BIGINT NOT NULL DEFAULT 0,
				items BIGINT NOT NULL, lines TEXT NOT NULL, updated_at BIGINT NOT NULL)`,
			`CREATE INDEX {orders}_by_customer ON {orders} (customer_id, placed_at, order_id)`,
			`CREATE INDEX {orders}_by_time ON {orders} (placed_at, order_id)`,
		}},
		{Name: orderq.TableSubOrders, DDL: []string{
			`CREATE TABLE {order_suborders} (
				order_id TEXT NOT NULL, sub_order_id TEXT NOT NULL, vendor_id TEXT NOT NULL, status TEXT NOT NULL,
				total BIGINT NOT NULL, commission BIGINT NOT NULL, lines TEXT NOT NULL,
				shipment_id TEXT NOT NULL DEFAULT '', cancel_reason TEXT NOT NULL DEFAULT '', updated_at BIGINT NOT NULL DEFAULT 0,
				PRIMARY KEY (order_id, sub_order_id))`,
		}},
		{Name: orderq.TablePayments, DDL: []string{
			`CREATE TABLE {order_payments} (
				payment_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, method TEXT NOT NULL, provider TEXT NOT NULL,
				status TEXT NOT NULL, currency TEXT NOT NULL, amount BIGINT NOT NULL,
				captured BIGINT NOT NULL DEFAULT 0, refunded BIGINT NOT NULL DEFAULT 0, charged_back BIGINT NOT NULL DEFAULT 0,
				initiated_at BIGINT NOT NULL)`,
			`CREATE INDEX {order_payments}_by_order ON {order_payments} (order_id)`,
		}},
		{Name: orderq.TableShipments, DDL: []string{
			`CREATE TABLE {order_shipments} (
				shipment_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, sub_order_id TEXT NOT NULL, carrier TEXT NOT NULL,
				tracking_number TEXT NOT NULL, status TEXT NOT NULL, updated_at BIGINT NOT NULL)`,
			`CREATE INDEX {order_shipments}_by_order ON {order_shipments} (order_id)`,
		}},
		{Name: orderq.TableTimeline, DDL: []string{
			`CREATE TABLE {order_timeline} (
				order_id TEXT NOT NULL, event_id TEXT NOT NULL, seq BIGINT NOT NULL, at BIGINT NOT NULL,
				type TEXT NOT NULL, detail TEXT NOT NULL, PRIMARY KEY (order_id, event_id))`,
		}},
	}
}

func (*Projector) Reset(ctx context.Context, tx *projections.Tx) error {
	for _, t := range []string{"{orders}", "{order_suborders}", "{order_payments}", "{order_shipments}", "{order_timeline}"} {
		if _, err := tx.Exec(ctx, "DELETE FROM "+t); err != nil {
			return err
		}
	}
	return nil
}

// HandleBatch applies each order, payment and shipment event; others pass.
// It reads the rows the batch touches first, applies the events to them in
// memory, in order, and writes back what changed (see batch).
func (p *Projector) HandleBatch(ctx context.Context, tx *projections.Tx, events []eventstore.RecordedEvent) error {
	items, err := p.decode(events)
	if err != nil {
		return err
	}
	k := newKeys()
	for _, it := range items {
		switch e := it.e.(type) {
		case payment.Initiated:
			k.orders[string(e.OrderID)] = true
		case shipment.Created:
			k.orders[string(e.OrderID)] = true
		}
		switch kind, _, _ := strings.Cut(it.ev.Type, "."); kind {
		case "order":
			k.orders[strings.TrimPrefix(it.ev.StreamID, "order-")] = true
		case "payment":
			k.payments[strings.TrimPrefix(it.ev.StreamID, "payment-")] = true
		case "shipment":
			k.shipments[strings.TrimPrefix(it.ev.StreamID, "shipment-")] = true
		}
	}
	if len(items) == 0 {
		return nil
	}
	if tx.Dialect().Name() == "postgres" {
		// Every row is looked up by an indexed key (= ANY of the batch's
		// IDs), but a rebuild's shadow tables have no statistics yet, and
		// without them the planner takes an array of a hundred keys for an
		// unselective filter and scans the whole table, which made a
		// rebuild quadratic. Within this transaction a sequential scan is
		// never the right plan.
		if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return err
		}
	}
	b, err := load(ctx, tx, k)
	if err != nil {
		return err
	}
	for _, it := range items {
		w := &writer{b: b, ev: it.ev, at: it.ev.Metadata.RecordedAt.UnixNano()}
		if err := w.apply(it.e); err != nil {
			return fmt.Errorf("%s at %d: %w", it.ev.Type, it.ev.Position, err)
		}
	}
	return b.flush(ctx)
}

// item is an event of the view's aggregates, decoded.
type item struct {
	ev eventstore.RecordedEvent
	e  any
}

// decode decodes, in order, the events of the aggregates the view shows.
// A rebuild's batch holds thousands, and decoding them took as long as
// writing the rows: large batches are decoded in parts on every core.
func (p *Projector) decode(events []eventstore.RecordedEvent) ([]item, error) {
	items := make([]item, 0, len(events))
	for _, ev := range events {
		kind, _, _ := strings.Cut(ev.Type, ".")
		if kind == "order" || kind == "payment" || kind == "shipment" {
			items = append(items, item{ev: ev})
		}
	}
	errs := make([]error, len(items))
	decodeRange := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ev := items[i].ev
			if items[i].e, errs[i] = p.reg.DecodeRecorded(ev); errs[i] != nil {
				errs[i] = fmt.Errorf("decode %s at %d: %w", ev.Type, ev.Position, errs[i])
				return
			}
		}
	}
	parts := min(runtime.GOMAXPROCS(0), len(items)/512)
	if parts <= 1 {
		decodeRange(0, len(items))
	} else {
		var wg sync.WaitGroup
		for i := range parts {
			wg.Go(func() { decodeRange(i*len(items)/parts, (i+1)*len(items)/parts) })
		}
		wg.Wait()
	}
	for _, err := range errs {
		if err != nil {
			return nil, err // the first in order, as one pass would find it
		}
	}
	return items, nil
}

// writer applies one event to the batch's rows.
type writer struct {
	b  *batch
	ev eventstore.RecordedEvent
	at int64
}

// step adds a line to an order's timeline; the event ID keys it, so a
// line already there stays as it is.
func (w *writer) step(orderID, detail string) {
	w.b.steps = append(w.b.steps, step{orderID: orderID, eventID: w.ev.ID, seq: int64(w.ev.Position), at: w.at, typ: w.ev.Type, detail: detail})
}

func (w *writer) orderID() string { return strings.TrimPrefix(w.ev.StreamID, "order-") }

func (w *writer) apply(e any) error {
	switch e := e.(type) {
	case order.Placed:
		return w.placed(e)
	case order.Paid:
		w.orderStatus("paid", "paid "+e.Amount.String())
	case order.Confirmed:
		w.orderStatus("confirmed", "stock committed; vendors may fulfil")
	case order.Delivered:
		w.orderStatus("delivered", "every parcel delivered")
	case order.Completed:
		w.orderStatus("completed", "return window closed")
	case order.Cancelled:
		w.orderStatus("cancelled", "cancelled: "+e.Reason)
	case order.SubOrderFulfilled:
		w.subOrder(string(e.SubOrderID), "fulfilled", "", "", "sub-order "+string(e.SubOrderID)+" packed")
	case order.SubOrderShipped:
		w.subOrder(string(e.SubOrderID), "shipped", string(e.ShipmentID), "", "sub-order "+string(e.SubOrderID)+" shipped")
	case order.SubOrderDelivered:
		w.subOrder(string(e.SubOrderID), "delivered", "", "", "sub-order "+string(e.SubOrderID)+" delivered")
	case order.SubOrderCancelled:
		w.subOrder(string(e.SubOrderID), "cancelled", "", e.Reason, "sub-order "+string(e.SubOrderID)+" cancelled: "+e.Reason)
	case payment.Initiated:
		id := string(e.PaymentID)
		if _, ok := w.b.pays[id]; ok {
			return fmt.Errorf("payment %s initiated twice", id)
		}
		w.b.addPay(&payRow{id: id, orderID: string(e.OrderID), method: string(e.Method), provider: e.Provider, status: "initiated",
			currency: string(e.Amount.Currency()), amount: e.Amount.Amount(), initiatedAt: w.at, dirty: true, fresh: true})
		return w.payment("", 0, 0, 0, fmt.Sprintf("%s payment of %s started", e.Method, e.Amount))
	case payment.ActionRequired:
		return w.payment("action_required", 0, 0, 0, "payment needs the customer's action")
	case payment.Authorized:
		return w.payment("authorized", 0, 0, 0, "authorized "+e.Amount.String())
	case payment.Captured:
		return w.payment("captured", e.Amount.Amount(), 0, 0, "captured "+e.Amount.String())
	case payment.Failed:
		return w.payment("failed", 0, 0, 0, "payment failed: "+e.Code)
	case payment.Cancelled:
		return w.payment("cancelled", 0, 0, 0, "payment cancelled")
	case payment.Refunded:
		return w.payment("", 0, e.Amount.Amount(), 0, "refunded "+e.Amount.String())
	case payment.ChargedBack:
		return w.payment("", 0, 0, e.Amount.Amount(), "charged back "+e.Amount.String())
	case shipment.Created:
		id := string(e.ShipmentID)
		if _, ok := w.b.ships[id]; ok {
			return fmt.Errorf("shipment %s created twice", id)
		}
		w.b.ships[id] = &shipRow{id: id, orderID: string(e.OrderID), subID: string(e.SubOrderID), carrier: string(e.Carrier),
			tracking: e.TrackingNumber, status: "created", updatedAt: e.At.UnixNano(), dirty: true, fresh: true}
		w.step(string(e.OrderID), fmt.Sprintf("label bought: %s %s", e.Carrier, e.TrackingNumber))
	case shipment.StatusChanged:
		id := strings.TrimPrefix(w.ev.StreamID, "shipment-")
		s, ok := w.b.ships[id]
		if !ok {
			return fmt.Errorf("shipment %s: %w", id, sql.ErrNoRows)
		}
		s.status, s.updatedAt, s.dirty = string(e.Status), e.OccurredAt.UnixNano(), true
		detail := fmt.Sprintf("%s %s: %s", s.carrier, s.tracking, e.Status)
		if e.Location != "" {
			detail += " at " + e.Location
		}
		w.step(s.orderID, detail)
	}
	return nil // an event of these aggregates the view does not show
}

func (w *writer) placed(e order.Placed) error {
	id := string(e.OrderID)
	if _, ok := w.b.orders[id]; ok {
		return fmt.Errorf("order %s placed twice", id)
	}
	lines, err := json.Marshal(e.Lines)
	if err != nil {
		return err
	}
	var items int64
	for _, l := range e.Lines {
		items += l.Quantity
	}
	t := e.Totals
	w.b.orders[id] = &orderRow{id: id, customer: string(e.CustomerID), placedAt: e.At.UnixNano(), status: "placed",
		fulfilment: "unfulfilled", country: string(e.Country), method: string(e.PaymentMethod), currency: string(t.Total.Currency()),
		subtotal: t.Subtotal.Amount(), discount: t.Discount.Amount(), shipping: t.Shipping.Amount(), vat: t.VAT.Amount(),
		total: t.Total.Amount(), wallet: t.Wallet.Amount(), due: t.Due.Amount(), cashback: t.Cashback.Amount(), items: items,
		lines: string(lines), updatedAt: w.at, dirty: true, fresh: true}
	subs := w.b.subs[id]
	for _, s := range e.SubOrders {
		if slices.ContainsFunc(subs, func(x *subRow) bool { return x.subID == string(s.ID) }) {
			return fmt.Errorf("order %s: sub-order %s twice", id, s.ID)
		}
		skus, err := json.Marshal(s.Lines)
		if err != nil {
			return err
		}
		subs = append(subs, &subRow{orderID: id, subID: string(s.ID), vendor: string(s.VendorID), status: "pending",
			total: s.Total.Amount(), commission: s.Commission.Amount(), lines: string(skus), dirty: true, fresh: true})
	}
	w.b.subs[id] = subs
	// Payments may have been projected first: roll them up now.
	w.rollUpPayments(id)
	w.step(id, fmt.Sprintf("placed: %d items, %s, %d vendors", items, t.Total, len(e.SubOrders)))
	return nil
}

func (w *writer) orderStatus(status, detail string) {
	id := w.orderID()
	if o, ok := w.b.orders[id]; ok {
		o.status, o.updatedAt, o.dirty = status, w.at, true
		if status == "paid" { // a wallet-only order has no payment attempt
			w.rollUpPayments(id)
		}
	}
	w.step(id, detail)
}

func (w *writer) subOrder(sub, status, shipmentID, reason, detail string) {
	id := w.orderID()
	subs := w.b.subs[id]
	for _, s := range subs {
		if s.subID != sub {
			continue
		}
		s.status, s.updatedAt, s.dirty = status, w.at, true
		if shipmentID != "" {
			s.shipmentID = shipmentID
		}
		if reason != "" {
			s.reason = reason
		}
	}
	if o, ok := w.b.orders[id]; ok {
		statuses := make([]string, len(subs))
		for i, s := range subs {
			statuses[i] = s.status
		}
		o.fulfilment, o.updatedAt, o.dirty = Fulfilment(statuses), w.at, true
	}
	w.step(id, detail)
}

// payment updates one attempt (status "" keeps it), adds the amounts, and
// rolls the order's payments up again.
func (w *writer) payment(status string, captured, refunded, chargedBack int64, detail string) error {
	id := strings.TrimPrefix(w.ev.StreamID, "payment-")
	p, ok := w.b.pays[id]
	if !ok {
		return fmt.Errorf("payment %s: %w", id, sql.ErrNoRows)
	}
	if status != "" {
		p.status = status
	}
	p.captured += captured
	p.refunded += refunded
	p.chargedBack += chargedBack
	p.dirty = true
	w.rollUpPayments(p.orderID)
	w.step(p.orderID, detail)
	return nil
}

// rollUpPayments recomputes an order's payment columns from its attempts.
// It does nothing when the order is not projected yet: placing it calls
// this again.
func (w *writer) rollUpPayments(orderID string) {
	o, ok := w.b.orders[orderID]
	if !ok {
		return
	}
	atts := make([]Attempt, 0, len(w.b.byOrd[orderID]))
	var c, r, cb int64
	for _, p := range w.b.byOrd[orderID] {
		atts = append(atts, Attempt{Status: p.status, Captured: p.captured, Refunded: p.refunded, ChargedBack: p.chargedBack})
		c, r, cb = c+p.captured, r+p.refunded, cb+p.chargedBack
	}
	paid := o.status == "paid" || o.status == "confirmed" || o.status == "delivered" || o.status == "completed"
	o.paymentStatus = PaymentStatus(o.due, paid, atts)
	o.captured, o.refunded, o.chargedBack, o.updatedAt, o.dirty = c, r, cb, w.at, true
}

// Attempt is what the roll-up needs of one payment attempt.
type Attempt struct {
	Status                          string
	Captured, Refunded, ChargedBack int64
}

// PaymentStatus rolls an order's payment attempts up into one word: money
// movements first (charged back, refunded, partially refunded, paid,
// partially paid), then the state of the latest hopes (authorized, action
// required, pending), then failure. orderPaid covers an order paid without
// an attempt (all from the wallet).
func PaymentStatus(due int64, orderPaid bool, atts []Attempt) string {
	var captured, refunded, chargedBack int64
	has := map[string]bool{}
	for _, a := range atts {
		captured, refunded, chargedBack = captured+a.Captured, refunded+a.Refunded, chargedBack+a.ChargedBack
		has[a.Status] = true
	}
	switch {
	case chargedBack > 0:
		return "charged back"
	case captured > 0 && refunded >= captured:
		return "refunded"
	case captured > 0 && refunded > 0:
		return "partially refunded"
	case captured > 0 && captured >= due:
		return "paid"
	case captured > 0:
		return "partially paid"
	case orderPaid || (due == 0 && len(atts) == 0):
		return "paid"
	case has["authorized"]:
		return "authorized"
	case has["action_required"]:
		return "action required"
	case has["initiated"]:
		return "pending"
	case has["failed"]:
		return "failed"
	case has["cancelled"]:
		return "cancelled"
	}
	return "unpaid"
}

// Fulfilment rolls sub-order states up: "delivered" when every part not
// cancelled was, "partially shipped" when some left, and so on.
func Fulfilment(statuses []string) string {
	n := map[string]int{}
	live := 0
	for _, s := range statuses {
		n[s]++
		if s != "cancelled" {
			live++
		}
	}
	switch {
	case live == 0:
		return "cancelled"
	case n["delivered"] == live:
		return "delivered"
	case n["delivered"] > 0:
		return "partially delivered"
	case n["shipped"] == live:
		return "shipped"
	case n["shipped"] > 0:
		return "partially shipped"
	case n["fulfilled"] == live:
		return "packed"
	case n["fulfilled"] > 0:
		return "partially packed"
	}
	return "unfulfilled"
}
