package orders

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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
func (p *Projector) HandleBatch(ctx context.Context, tx *projections.Tx, events []eventstore.RecordedEvent) error {
	for _, ev := range events {
		kind, _, _ := strings.Cut(ev.Type, ".")
		if kind != "order" && kind != "payment" && kind != "shipment" {
			continue
		}
		e, err := p.reg.DecodeRecorded(ev)
		if err != nil {
			return fmt.Errorf("decode %s at %d: %w", ev.Type, ev.Position, err)
		}
		w := &writer{tx: tx, ev: ev, at: ev.Metadata.RecordedAt.UnixNano()}
		if err := w.apply(ctx, e); err != nil {
			return fmt.Errorf("%s at %d: %w", ev.Type, ev.Position, err)
		}
	}
	return nil
}

// writer applies one event.
type writer struct {
	tx *projections.Tx
	ev eventstore.RecordedEvent
	at int64
}

func (w *writer) exec(ctx context.Context, q string, args ...any) error {
	_, err := w.tx.Exec(ctx, q, args...)
	return err
}

// step adds a line to an order's timeline; the event ID keys it.
func (w *writer) step(ctx context.Context, orderID, detail string) error {
	return w.exec(ctx, `INSERT INTO {order_timeline} (order_id, event_id, seq, at, type, detail) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (order_id, event_id) DO NOTHING`, orderID, w.ev.ID, int64(w.ev.Position), w.at, w.ev.Type, detail)
}

func (w *writer) orderID() string { return strings.TrimPrefix(w.ev.StreamID, "order-") }

func (w *writer) apply(ctx context.Context, e any) error {
	switch e := e.(type) {
	case order.Placed:
		return w.placed(ctx, e)
	case order.Paid:
		return w.orderStatus(ctx, "paid", "paid "+e.Amount.String())
	case order.Confirmed:
		return w.orderStatus(ctx, "confirmed", "stock committed; vendors may fulfil")
	case order.Delivered:
		return w.orderStatus(ctx, "delivered", "every parcel delivered")
	case order.Completed:
		return w.orderStatus(ctx, "completed", "return window closed")
	case order.Cancelled:
		return w.orderStatus(ctx, "cancelled", "cancelled: "+e.Reason)
	case order.SubOrderFulfilled:
		return w.subOrder(ctx, string(e.SubOrderID), "fulfilled", "", "", "sub-order "+string(e.SubOrderID)+" packed")
	case order.SubOrderShipped:
		return w.subOrder(ctx, string(e.SubOrderID), "shipped", string(e.ShipmentID), "", "sub-order "+string(e.SubOrderID)+" shipped")
	case order.SubOrderDelivered:
		return w.subOrder(ctx, string(e.SubOrderID), "delivered", "", "", "sub-order "+string(e.SubOrderID)+" delivered")
	case order.SubOrderCancelled:
		return w.subOrder(ctx, string(e.SubOrderID), "cancelled", "", e.Reason, "sub-order "+string(e.SubOrderID)+" cancelled: "+e.Reason)
	case payment.Initiated:
		if err := w.exec(ctx, `INSERT INTO {order_payments} (payment_id, order_id, method, provider, status, currency, amount, initiated_at)
			VALUES (?, ?, ?, ?, 'initiated', ?, ?, ?)`, string(e.PaymentID), string(e.OrderID), string(e.Method), e.Provider,
			string(e.Amount.Currency()), e.Amount.Amount(), w.at); err != nil {
			return err
		}
		return w.payment(ctx, "", 0, 0, 0, fmt.Sprintf("%s payment of %s started", e.Method, e.Amount))
	case payment.ActionRequired:
		return w.payment(ctx, "action_required", 0, 0, 0, "payment needs the customer's action")
	case payment.Authorized:
		return w.payment(ctx, "authorized", 0, 0, 0, "authorized "+e.Amount.String())
	case payment.Captured:
		return w.payment(ctx, "captured", e.Amount.Amount(), 0, 0, "captured "+e.Amount.String())
	case payment.Failed:
		return w.payment(ctx, "failed", 0, 0, 0, "payment failed: "+e.Code)
	case payment.Cancelled:
		return w.payment(ctx, "cancelled", 0, 0, 0, "payment cancelled")
	case payment.Refunded:
		return w.payment(ctx, "", 0, e.Amount.Amount(), 0, "refunded "+e.Amount.String())
	case payment.ChargedBack:
		return w.payment(ctx, "", 0, 0, e.Amount.Amount(), "charged back "+e.Amount.String())
	case shipment.Created:
		if err := w.exec(ctx, `INSERT INTO {order_shipments} (shipment_id, order_id, sub_order_id, carrier, tracking_number, status, updated_at)
			VALUES (?, ?, ?, ?, ?, 'created', ?)`, string(e.ShipmentID), string(e.OrderID), string(e.SubOrderID), string(e.Carrier),
			e.TrackingNumber, e.At.UnixNano()); err != nil {
			return err
		}
		return w.step(ctx, string(e.OrderID), fmt.Sprintf("label bought: %s %s", e.Carrier, e.TrackingNumber))
	case shipment.StatusChanged:
		id := strings.TrimPrefix(w.ev.StreamID, "shipment-")
		var orderID, carrier, tracking string
		err := w.tx.QueryRow(ctx, `SELECT order_id, carrier, tracking_number FROM {order_shipments} WHERE shipment_id = ?`, id).Scan(&orderID, &carrier, &tracking)
		if err != nil {
			return fmt.Errorf("shipment %s: %w", id, err)
		}
		if err := w.exec(ctx, `UPDATE {order_shipments} SET status = ?, updated_at = ? WHERE shipment_id = ?`, string(e.Status), e.OccurredAt.UnixNano(), id); err != nil {
			return err
		}
		detail := fmt.Sprintf("%s %s: %s", carrier, tracking, e.Status)
		if e.Location != "" {
			detail += " at " + e.Location
		}
		return w.step(ctx, orderID, detail)
	}
	return nil // an event of these aggregates the view does not show
}

func (w *writer) placed(ctx context.Context, e order.Placed) error {
	lines, err := json.Marshal(e.Lines)
	if err != nil {
		return err
	}
	var items int64
	for _, l := range e.Lines {
		items += l.Quantity
	}
	t := e.Totals
	id := string(e.OrderID)
	if err := w.exec(ctx, `INSERT INTO {orders} (order_id, customer_id, placed_at, status, payment_status, fulfilment, country, payment_method,
			currency, subtotal, discount, shipping, vat, total, wallet, due, cashback, items, lines, updated_at)
		VALUES (?, ?, ?, 'placed', '', 'unfulfilled', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, string(e.CustomerID), e.At.UnixNano(), string(e.Country), string(e.PaymentMethod),
		string(t.Total.Currency()), t.Subtotal.Amount(), t.Discount.Amount(), t.Shipping.Amount(), t.VAT.Amount(), t.Total.Amount(),
		t.Wallet.Amount(), t.Due.Amount(), t.Cashback.Amount(), items, string(lines), w.at); err != nil {
		return err
	}
	for _, s := range e.SubOrders {
		skus, err := json.Marshal(s.Lines)
		if err != nil {
			return err
		}
		if err := w.exec(ctx, `INSERT INTO {order_suborders} (order_id, sub_order_id, vendor_id, status, total, commission, lines)
			VALUES (?, ?, ?, 'pending', ?, ?, ?)`, id, string(s.ID), string(s.VendorID), s.Total.Amount(), s.Commission.Amount(), string(skus)); err != nil {
			return err
		}
	}
	// Payments may have been projected first: roll them up now.
	if err := w.rollUpPayments(ctx, id); err != nil {
		return err
	}
	return w.step(ctx, id, fmt.Sprintf("placed: %d items, %s, %d vendors", items, t.Total, len(e.SubOrders)))
}

func (w *writer) orderStatus(ctx context.Context, status, detail string) error {
	id := w.orderID()
	if err := w.exec(ctx, `UPDATE {orders} SET status = ?, updated_at = ? WHERE order_id = ?`, status, w.at, id); err != nil {
		return err
	}
	if status == "paid" { // a wallet-only order has no payment attempt
		if err := w.rollUpPayments(ctx, id); err != nil {
			return err
		}
	}
	return w.step(ctx, id, detail)
}

func (w *writer) subOrder(ctx context.Context, sub, status, shipmentID, reason, detail string) error {
	id := w.orderID()
	if err := w.exec(ctx, `UPDATE {order_suborders} SET status = ?, updated_at = ?,
			shipment_id = CASE WHEN ? = '' THEN shipment_id ELSE ? END,
			cancel_reason = CASE WHEN ? = '' THEN cancel_reason ELSE ? END
		WHERE order_id = ? AND sub_order_id = ?`, status, w.at, shipmentID, shipmentID, reason, reason, id, sub); err != nil {
		return err
	}
	rows, err := w.tx.Query(ctx, `SELECT status FROM {order_suborders} WHERE order_id = ?`, id)
	if err != nil {
		return err
	}
	var statuses []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		statuses = append(statuses, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := w.exec(ctx, `UPDATE {orders} SET fulfilment = ?, updated_at = ? WHERE order_id = ?`, Fulfilment(statuses), w.at, id); err != nil {
		return err
	}
	return w.step(ctx, id, detail)
}

// payment updates one attempt (status "" keeps it), adds the amounts, and
// rolls the order's payments up again.
func (w *writer) payment(ctx context.Context, status string, captured, refunded, chargedBack int64, detail string) error {
	id := strings.TrimPrefix(w.ev.StreamID, "payment-")
	var orderID string
	if err := w.tx.QueryRow(ctx, `SELECT order_id FROM {order_payments} WHERE payment_id = ?`, id).Scan(&orderID); err != nil {
		return fmt.Errorf("payment %s: %w", id, err)
	}
	if err := w.exec(ctx, `UPDATE {order_payments} SET status = CASE WHEN ? = '' THEN status ELSE ? END,
			captured = captured + ?, refunded = refunded + ?, charged_back = charged_back + ?
		WHERE payment_id = ?`, status, status, captured, refunded, chargedBack, id); err != nil {
		return err
	}
	if err := w.rollUpPayments(ctx, orderID); err != nil {
		return err
	}
	return w.step(ctx, orderID, detail)
}

// rollUpPayments recomputes an order's payment columns from its attempts.
// It does nothing when the order is not projected yet: placing it calls
// this again.
func (w *writer) rollUpPayments(ctx context.Context, orderID string) error {
	var due int64
	var status string
	err := w.tx.QueryRow(ctx, `SELECT due, status FROM {orders} WHERE order_id = ?`, orderID).Scan(&due, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	rows, err := w.tx.Query(ctx, `SELECT status, captured, refunded, charged_back FROM {order_payments} WHERE order_id = ?`, orderID)
	if err != nil {
		return err
	}
	var atts []Attempt
	for rows.Next() {
		var a Attempt
		if err := rows.Scan(&a.Status, &a.Captured, &a.Refunded, &a.ChargedBack); err != nil {
			rows.Close()
			return err
		}
		atts = append(atts, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var c, r, cb int64
	for _, a := range atts {
		c, r, cb = c+a.Captured, r+a.Refunded, cb+a.ChargedBack
	}
	return w.exec(ctx, `UPDATE {orders} SET payment_status = ?, captured = ?, refunded = ?, charged_back = ?, updated_at = ? WHERE order_id = ?`,
		PaymentStatus(due, status == "paid" || status == "confirmed" || status == "delivered" || status == "completed", atts), c, r, cb, w.at, orderID)
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
