package vendors

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/domain/vendor"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/vendors/vendorq"
)

// Name is the projector's checkpoint key; it never changes.
const Name = "vendors"

// Projector maintains the vendor dashboards.
type Projector struct{}

// New returns the vendor dashboard projector.
func New() *Projector { return &Projector{} }

// Name implements projections.Projector.
func (*Projector) Name() string { return Name }

// Tables implements projections.SQL. The vendorq tables are what dashboards
// read; vendor_suborders, vendor_catalog and vendor_skus are the projector's
// own memory (a sub-order's vendor and status, a product's and a SKU's
// vendor), read by key only.
func (*Projector) Tables() []projections.Table {
	return []projections.Table{
		{Name: vendorq.ProfileTable, DDL: []string{`CREATE TABLE {vendor_profiles} (
			vendor_id TEXT PRIMARY KEY, name TEXT NOT NULL, currency TEXT NOT NULL, status TEXT NOT NULL)`}},
		{Name: vendorq.StatusTable, DDL: []string{`CREATE TABLE {vendor_status} (
			vendor_id TEXT NOT NULL, status TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (vendor_id, status))`}},
		{Name: vendorq.DailyTable, DDL: []string{`CREATE TABLE {vendor_daily} (
			vendor_id TEXT NOT NULL, day TEXT NOT NULL, currency TEXT NOT NULL,
			orders BIGINT NOT NULL, sales BIGINT NOT NULL, cancelled BIGINT NOT NULL, cancelled_sales BIGINT NOT NULL,
			earnings BIGINT NOT NULL, commission BIGINT NOT NULL,
			PRIMARY KEY (vendor_id, day, currency))`}},
		{Name: vendorq.BalanceTable, DDL: []string{`CREATE TABLE {vendor_balances} (
			vendor_id TEXT NOT NULL, currency TEXT NOT NULL,
			gross BIGINT NOT NULL, commission BIGINT NOT NULL, pending BIGINT NOT NULL, payable BIGINT NOT NULL, paid_out BIGINT NOT NULL,
			PRIMARY KEY (vendor_id, currency))`}},
		{Name: vendorq.ProductTable, DDL: []string{`CREATE TABLE {vendor_products} (
			vendor_id TEXT NOT NULL, product_id TEXT NOT NULL, currency TEXT NOT NULL, units BIGINT NOT NULL, revenue BIGINT NOT NULL,
			PRIMARY KEY (vendor_id, product_id, currency))`,
			`CREATE INDEX {vendor_products}_top ON {vendor_products} (vendor_id, units)`}},
		{Name: vendorq.StockTable, DDL: []string{`CREATE TABLE {vendor_stock} (
			sku TEXT PRIMARY KEY, vendor_id TEXT, product_id TEXT,
			on_hand BIGINT NOT NULL, reserved BIGINT NOT NULL, available BIGINT NOT NULL)`,
			`CREATE INDEX {vendor_stock}_low ON {vendor_stock} (vendor_id, available)`}},
		{Name: "vendor_suborders", DDL: []string{`CREATE TABLE {vendor_suborders} (
			sub_order_id TEXT PRIMARY KEY, order_stream TEXT NOT NULL, vendor_id TEXT NOT NULL, status TEXT NOT NULL,
			day TEXT NOT NULL, currency TEXT NOT NULL, total BIGINT NOT NULL, lines TEXT NOT NULL)`,
			`CREATE INDEX {vendor_suborders}_by_order ON {vendor_suborders} (order_stream)`}},
		{Name: "vendor_catalog", DDL: []string{`CREATE TABLE {vendor_catalog} (product_id TEXT PRIMARY KEY, vendor_id TEXT NOT NULL)`}},
		{Name: "vendor_skus", DDL: []string{`CREATE TABLE {vendor_skus} (sku TEXT PRIMARY KEY, vendor_id TEXT NOT NULL, product_id TEXT NOT NULL)`}},
	}
}

// Sub-order statuses, as dashboards count them.
const (
	Placed    = "placed"
	Confirmed = "confirmed"
	Fulfilled = "fulfilled"
	Shipped   = "shipped"
	Delivered = "delivered"
	Cancelled = "cancelled"
)

// Vendor statuses.
var vendorStatus = map[string]string{
	vendor.TypeRegistered: "registered", vendor.TypeApproved: "approved", vendor.TypeRejected: "rejected",
	vendor.TypeSuspended: "suspended", vendor.TypeReinstated: "approved",
}

// day is the UTC calendar day of t.
func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// line is what a sub-order remembers of each line, to take it back from
// the top products when the sub-order is cancelled.
type line struct {
	Product domain.ProductID `json:"p"`
	Units   int64            `json:"u"`
	Total   int64            `json:"t"`
}

// Statements, written once for both dialects.
const (
	bumpStatus = `INSERT INTO {vendor_status} (vendor_id, status, n) VALUES (?, ?, ?)
		ON CONFLICT (vendor_id, status) DO UPDATE SET n = {vendor_status}.n + excluded.n`
	bumpDaily = `INSERT INTO {vendor_daily} (vendor_id, day, currency, orders, sales, cancelled, cancelled_sales, earnings, commission)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (vendor_id, day, currency) DO UPDATE SET
			orders = {vendor_daily}.orders + excluded.orders, sales = {vendor_daily}.sales + excluded.sales,
			cancelled = {vendor_daily}.cancelled + excluded.cancelled, cancelled_sales = {vendor_daily}.cancelled_sales + excluded.cancelled_sales,
			earnings = {vendor_daily}.earnings + excluded.earnings, commission = {vendor_daily}.commission + excluded.commission`
	bumpBalance = `INSERT INTO {vendor_balances} (vendor_id, currency, gross, commission, pending, payable, paid_out)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (vendor_id, currency) DO UPDATE SET
			gross = {vendor_balances}.gross + excluded.gross, commission = {vendor_balances}.commission + excluded.commission,
			pending = {vendor_balances}.pending + excluded.pending, payable = {vendor_balances}.payable + excluded.payable,
			paid_out = {vendor_balances}.paid_out + excluded.paid_out`
	bumpProduct = `INSERT INTO {vendor_products} (vendor_id, product_id, currency, units, revenue) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (vendor_id, product_id, currency) DO UPDATE SET
			units = {vendor_products}.units + excluded.units, revenue = {vendor_products}.revenue + excluded.revenue`
	// bumpStock finds the SKU's vendor when the listing came first; when
	// the stock came first, the listing fills it in (setOwner).
	bumpStock = `INSERT INTO {vendor_stock} (sku, vendor_id, product_id, on_hand, reserved, available)
		VALUES (?, (SELECT vendor_id FROM {vendor_skus} WHERE sku = ?), (SELECT product_id FROM {vendor_skus} WHERE sku = ?), ?, ?, ?)
		ON CONFLICT (sku) DO UPDATE SET
			on_hand = {vendor_stock}.on_hand + excluded.on_hand, reserved = {vendor_stock}.reserved + excluded.reserved,
			available = {vendor_stock}.available + excluded.available`
	setOwner = `UPDATE {vendor_stock} SET vendor_id = ?, product_id = ? WHERE sku = ?`
)

type daily struct{ orders, sales, cancelled, cancelledSales, earnings, commission int64 }

type balance struct{ gross, commission, pending, payable, paidOut int64 }

// HandleBatch implements projections.SQL.
func (*Projector) HandleBatch(ctx context.Context, tx *projections.Tx, events []eventstore.RecordedEvent) error {
	for _, ev := range events {
		if err := apply(ctx, tx, ev); err != nil {
			return fmt.Errorf("vendors: %s at %d (%s): %w", ev.Type, ev.Position, ev.StreamID, err)
		}
	}
	return nil
}

func decode[E any](ev eventstore.RecordedEvent) (E, error) {
	var e E
	err := json.Unmarshal(ev.Data, &e)
	return e, err
}

func apply(ctx context.Context, tx *projections.Tx, ev eventstore.RecordedEvent) error {
	switch ev.Type {
	case vendor.TypeRegistered:
		e, err := decode[vendor.Registered](ev)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO {vendor_profiles} (vendor_id, name, currency, status) VALUES (?, ?, ?, ?)
			ON CONFLICT (vendor_id) DO UPDATE SET name = excluded.name, currency = excluded.currency, status = excluded.status`,
			string(e.VendorID), e.Name, string(e.Currency), vendorStatus[ev.Type])
		return err
	case vendor.TypeApproved, vendor.TypeRejected, vendor.TypeSuspended, vendor.TypeReinstated:
		_, err := tx.Exec(ctx, `UPDATE {vendor_profiles} SET status = ? WHERE vendor_id = ?`, vendorStatus[ev.Type], vendorOf(ev))
		return err
	case vendor.TypeEarningRecorded:
		e, err := decode[vendor.EarningRecorded](ev)
		if err != nil {
			return err
		}
		v, cur := vendorOf(ev), string(e.Amount.Currency())
		if err := bumpB(ctx, tx, v, cur, balance{gross: e.Gross.Amount(), commission: e.Commission.Amount(), pending: e.Amount.Amount()}); err != nil {
			return err
		}
		return bumpD(ctx, tx, v, day(e.At), cur, daily{earnings: e.Amount.Amount(), commission: e.Commission.Amount()})
	case vendor.TypeEarningReversed:
		e, err := decode[vendor.EarningReversed](ev)
		if err != nil {
			return err
		}
		v, cur, n := vendorOf(ev), string(e.Amount.Currency()), e.Amount.Amount()
		if err := bumpB(ctx, tx, v, cur, balance{pending: -n}); err != nil {
			return err
		}
		return bumpD(ctx, tx, v, day(e.At), cur, daily{earnings: -n})
	case vendor.TypeEarningPayable:
		e, err := decode[vendor.EarningPayable](ev)
		if err != nil {
			return err
		}
		return bumpB(ctx, tx, vendorOf(ev), string(e.Amount.Currency()), balance{pending: -e.Amount.Amount(), payable: e.Amount.Amount()})
	case vendor.TypePaidOut:
		e, err := decode[vendor.PaidOut](ev)
		if err != nil {
			return err
		}
		return bumpB(ctx, tx, vendorOf(ev), string(e.Amount.Currency()), balance{payable: -e.Amount.Amount(), paidOut: e.Amount.Amount()})

	case order.TypePlaced:
		e, err := decode[order.Placed](ev)
		if err != nil {
			return err
		}
		return placed(ctx, tx, ev.StreamID, e)
	case order.TypeConfirmed:
		return moveAll(ctx, tx, ev.StreamID, Confirmed, func(s string) bool { return s == Placed })
	case order.TypeCancelled:
		return moveAll(ctx, tx, ev.StreamID, Cancelled, func(s string) bool { return s != Delivered && s != Cancelled })
	case order.TypeSubOrderFulfilled, order.TypeSubOrderShipped, order.TypeSubOrderDelivered, order.TypeSubOrderCancelled:
		var e struct {
			SubOrderID domain.SubOrderID `json:"sub_order_id"`
		}
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return err
		}
		to := map[string]string{order.TypeSubOrderFulfilled: Fulfilled, order.TypeSubOrderShipped: Shipped,
			order.TypeSubOrderDelivered: Delivered, order.TypeSubOrderCancelled: Cancelled}[ev.Type]
		var v, was, d, cur, lines string
		var total int64
		err := tx.QueryRow(ctx, `SELECT vendor_id, status, day, currency, total, lines FROM {vendor_suborders} WHERE sub_order_id = ?`,
			string(e.SubOrderID)).Scan(&v, &was, &d, &cur, &total, &lines)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sub-order %s was never placed", e.SubOrderID)
		}
		if err != nil {
			return err
		}
		return move(ctx, tx, subOrder{id: string(e.SubOrderID), vendor: v, status: was, day: d, currency: cur, total: total, lines: lines}, to)

	case product.TypeListed:
		e, err := decode[product.Listed](ev)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO {vendor_catalog} (product_id, vendor_id) VALUES (?, ?)`, string(e.ProductID), string(e.VendorID)); err != nil {
			return err
		}
		for _, v := range e.Variants {
			if err := own(ctx, tx, v.SKU, e.ProductID, string(e.VendorID)); err != nil {
				return err
			}
		}
		return nil
	case product.TypeVariantAdded:
		e, err := decode[product.VariantAdded](ev)
		if err != nil {
			return err
		}
		pid := domain.ProductID(strings.TrimPrefix(ev.StreamID, "product-"))
		var v string
		if err := tx.QueryRow(ctx, `SELECT vendor_id FROM {vendor_catalog} WHERE product_id = ?`, string(pid)).Scan(&v); err != nil {
			return fmt.Errorf("product %s: %w", pid, err)
		}
		return own(ctx, tx, e.Variant.SKU, pid, v)

	case inventory.TypeReceived:
		e, err := decode[inventory.Received](ev)
		if err != nil {
			return err
		}
		return stock(ctx, tx, e.SKU, e.Quantity, 0)
	case inventory.TypeAdjusted:
		e, err := decode[inventory.Adjusted](ev)
		if err != nil {
			return err
		}
		return stock(ctx, tx, e.SKU, e.Delta, 0)
	case inventory.TypeReserved:
		e, err := decode[inventory.Reserved](ev)
		if err != nil {
			return err
		}
		return stock(ctx, tx, e.SKU, 0, e.Quantity)
	case inventory.TypeReservationCommitted:
		e, err := decode[inventory.ReservationCommitted](ev)
		if err != nil {
			return err
		}
		return stock(ctx, tx, e.SKU, -e.Quantity, -e.Quantity)
	case inventory.TypeReservationReleased:
		e, err := decode[inventory.ReservationReleased](ev)
		if err != nil {
			return err
		}
		return stock(ctx, tx, e.SKU, 0, -e.Quantity)
	case inventory.TypeReservationExpired:
		e, err := decode[inventory.ReservationExpired](ev)
		if err != nil {
			return err
		}
		return stock(ctx, tx, e.SKU, 0, -e.Quantity)
	}
	return nil
}

// vendorOf is the vendor whose stream ev is in.
func vendorOf(ev eventstore.RecordedEvent) string { return strings.TrimPrefix(ev.StreamID, "vendor-") }

func bumpB(ctx context.Context, tx *projections.Tx, v, cur string, b balance) error {
	_, err := tx.Exec(ctx, bumpBalance, v, cur, b.gross, b.commission, b.pending, b.payable, b.paidOut)
	return err
}

func bumpD(ctx context.Context, tx *projections.Tx, v, d, cur string, n daily) error {
	_, err := tx.Exec(ctx, bumpDaily, v, d, cur, n.orders, n.sales, n.cancelled, n.cancelledSales, n.earnings, n.commission)
	return err
}

func bumpS(ctx context.Context, tx *projections.Tx, v, status string, n int64) error {
	_, err := tx.Exec(ctx, bumpStatus, v, status, n)
	return err
}

func own(ctx context.Context, tx *projections.Tx, sku domain.SKU, pid domain.ProductID, v string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO {vendor_skus} (sku, vendor_id, product_id) VALUES (?, ?, ?)
		ON CONFLICT (sku) DO UPDATE SET vendor_id = excluded.vendor_id, product_id = excluded.product_id`, string(sku), v, string(pid)); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, setOwner, v, string(pid), string(sku))
	return err
}

func stock(ctx context.Context, tx *projections.Tx, sku domain.SKU, onHand, reserved int64) error {
	_, err := tx.Exec(ctx, bumpStock, string(sku), string(sku), string(sku), onHand, reserved, onHand-reserved)
	return err
}

// placed records each sub-order of a new order under its vendor.
func placed(ctx context.Context, tx *projections.Tx, stream string, e order.Placed) error {
	d := day(e.At)
	for _, s := range e.SubOrders {
		v, cur := string(s.VendorID), string(s.Total.Currency())
		var lines []line
		for _, l := range e.Lines {
			if l.VendorID != s.VendorID {
				continue
			}
			lines = append(lines, line{Product: l.ProductID, Units: l.Quantity, Total: l.Total.Amount()})
			if _, err := tx.Exec(ctx, bumpProduct, v, string(l.ProductID), cur, l.Quantity, l.Total.Amount()); err != nil {
				return err
			}
		}
		js, err := json.Marshal(lines)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO {vendor_suborders} (sub_order_id, order_stream, vendor_id, status, day, currency, total, lines)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, string(s.ID), stream, v, Placed, d, cur, s.Total.Amount(), string(js)); err != nil {
			return err
		}
		if err := bumpS(ctx, tx, v, Placed, 1); err != nil {
			return err
		}
		if err := bumpD(ctx, tx, v, d, cur, daily{orders: 1, sales: s.Total.Amount()}); err != nil {
			return err
		}
	}
	return nil
}

type subOrder struct {
	id, vendor, status, day, currency string
	total                             int64
	lines                             string
}

// moveAll moves every sub-order of an order whose status passes when.
func moveAll(ctx context.Context, tx *projections.Tx, stream, to string, when func(string) bool) error {
	rows, err := tx.Query(ctx, `SELECT sub_order_id, vendor_id, status, day, currency, total, lines FROM {vendor_suborders} WHERE order_stream = ?`, stream)
	if err != nil {
		return err
	}
	var subs []subOrder
	for rows.Next() {
		var s subOrder
		if err := rows.Scan(&s.id, &s.vendor, &s.status, &s.day, &s.currency, &s.total, &s.lines); err != nil {
			rows.Close()
			return err
		}
		subs = append(subs, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(subs) == 0 {
		return errors.New("the order was never placed")
	}
	for _, s := range subs {
		if when(s.status) {
			if err := move(ctx, tx, s, to); err != nil {
				return err
			}
		}
	}
	return nil
}

// move changes a sub-order's status and moves one count from the old to the
// new; a cancellation also takes the sub-order back from its day's sales
// and its products' figures. A cancelled sub-order stays cancelled.
func move(ctx context.Context, tx *projections.Tx, s subOrder, to string) error {
	if s.status == to || s.status == Cancelled {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE {vendor_suborders} SET status = ? WHERE sub_order_id = ?`, to, s.id); err != nil {
		return err
	}
	if err := bumpS(ctx, tx, s.vendor, s.status, -1); err != nil {
		return err
	}
	if err := bumpS(ctx, tx, s.vendor, to, 1); err != nil {
		return err
	}
	if to != Cancelled {
		return nil
	}
	if err := bumpD(ctx, tx, s.vendor, s.day, s.currency, daily{cancelled: 1, cancelledSales: s.total}); err != nil {
		return err
	}
	var lines []line
	if err := json.Unmarshal([]byte(s.lines), &lines); err != nil {
		return err
	}
	for _, l := range lines {
		if _, err := tx.Exec(ctx, bumpProduct, s.vendor, string(l.Product), s.currency, -l.Units, -l.Total); err != nil {
			return err
		}
	}
	return nil
}

// Reset implements projections.SQL.
func (p *Projector) Reset(ctx context.Context, tx *projections.Tx) error {
	for _, t := range p.Tables() {
		if _, err := tx.Exec(ctx, `DELETE FROM {`+t.Name+`}`); err != nil {
			return err
		}
	}
	return nil
}
