package orderq

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"time"
)

// The view's tables.
const (
	TableOrders    = "orders"
	TableSubOrders = "order_suborders"
	TablePayments  = "order_payments"
	TableShipments = "order_shipments"
	TableTimeline  = "order_timeline"
)

// Money is an amount of minor units in a currency, shaped as the domain's
// JSON: {"amount":12500,"currency":"AED"}.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Summary is one order in a list.
type Summary struct {
	OrderID       string    `json:"order_id"`
	CustomerID    string    `json:"customer_id"`
	PlacedAt      time.Time `json:"placed_at"`
	Status        string    `json:"status"`
	PaymentStatus string    `json:"payment_status"`
	Fulfilment    string    `json:"fulfilment"`
	Total         Money     `json:"total"`
	Items         int64     `json:"items"`
}

// Detail is the order page.
type Detail struct {
	Summary
	Country       string          `json:"country"`
	PaymentMethod string          `json:"payment_method"`
	Totals        Totals          `json:"totals"`
	Payment       Payment         `json:"payment"`
	Lines         json.RawMessage `json:"lines"`
	SubOrders     []SubOrder      `json:"sub_orders"`
	Payments      []PaymentRow    `json:"payments"`
	Shipments     []Shipment      `json:"shipments"`
	Timeline      []Step          `json:"timeline"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

// Totals of the order as placed.
type Totals struct {
	Subtotal Money `json:"subtotal"`
	Discount Money `json:"discount"`
	Shipping Money `json:"shipping"`
	VAT      Money `json:"vat"`
	Total    Money `json:"total"`
	Wallet   Money `json:"wallet"`
	Due      Money `json:"due"`
	Cashback Money `json:"cashback"`
}

// Payment is the roll-up of every payment attempt of the order.
type Payment struct {
	Status      string `json:"status"`
	Captured    Money  `json:"captured"`
	Refunded    Money  `json:"refunded"`
	ChargedBack Money  `json:"charged_back"`
}

// SubOrder is one vendor's part.
type SubOrder struct {
	SubOrderID   string     `json:"sub_order_id"`
	VendorID     string     `json:"vendor_id"`
	Status       string     `json:"status"`
	Total        Money      `json:"total"`
	Commission   Money      `json:"commission"`
	Lines        []string   `json:"lines"`
	ShipmentID   string     `json:"shipment_id,omitempty"`
	CancelReason string     `json:"cancel_reason,omitempty"`
	UpdatedAt    *time.Time `json:"updated_at,omitempty"`
}

// PaymentRow is one payment attempt.
type PaymentRow struct {
	PaymentID   string `json:"payment_id"`
	Method      string `json:"method"`
	Provider    string `json:"provider"`
	Status      string `json:"status"`
	Amount      Money  `json:"amount"`
	Captured    Money  `json:"captured"`
	Refunded    Money  `json:"refunded"`
	ChargedBack Money  `json:"charged_back"`
}

// Shipment is one parcel of the order.
type Shipment struct {
	ShipmentID     string    `json:"shipment_id"`
	SubOrderID     string    `json:"sub_order_id"`
	Carrier        string    `json:"carrier"`
	TrackingNumber string    `json:"tracking_number"`
	Status         string    `json:"status"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Step is one thing that happened to the order.
type Step struct {
	At     time.Time `json:"at"`
	Type   string    `json:"type"`
	Detail string    `json:"detail"`
}

// Key is a place in a list, newest first: the last order of a page.
type Key struct {
	PlacedAt int64  `json:"t"` // Unix nanoseconds
	OrderID  string `json:"id"`
}

// Filter selects the orders of a list.
type Filter struct {
	Customer string // "" for every customer (staff)
	Status   string // "" for any
}

// Reader reads the view. It is safe for concurrent use.
type Reader struct {
	db                                                      *sql.DB
	listAll, listCustomer, get, subs, pays, ships, timeline string
	stmts                                                   statements
}

// statements are the reader's queries, each prepared once on first use
// and reused: SQLite (modernc) parses a query text again on every call, and
// that parse was half the CPU of an order-list read. database/sql prepares
// a *sql.Stmt on each pooled connection once. A rebuild's table swap does
// not break them: SQLite recompiles a statement whose schema changed, and
// PostgreSQL re-analyses an invalidated one.
type statements struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (r *Reader) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	r.stmts.mu.Lock()
	defer r.stmts.mu.Unlock()
	if st, ok := r.stmts.m[q]; ok {
		return st, nil
	}
	st, err := r.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err // not kept: the next call tries again (the view's tables may not exist yet)
	}
	if r.stmts.m == nil {
		r.stmts.m = map[string]*sql.Stmt{}
	}
	r.stmts.m[q] = st
	return st, nil
}

// New returns a reader over db; rebind rewrites ? parameters for its
// dialect (projections.Dialect.Rebind).
func New(db *sql.DB, rebind func(string) string) *Reader {
	const cols = `order_id, customer_id, placed_at, status, payment_status, fulfilment, currency, total, items`
	const page = ` AND (? = '' OR status = ?) AND (placed_at, order_id) < (?, ?) ORDER BY placed_at DESC, order_id DESC LIMIT ?`
	return &Reader{
		db:           db,
		listAll:      rebind(`SELECT ` + cols + ` FROM ` + TableOrders + ` WHERE 1 = 1` + page),
		listCustomer: rebind(`SELECT ` + cols + ` FROM ` + TableOrders + ` WHERE customer_id = ?` + page),
		get: rebind(`SELECT ` + cols + `, country, payment_method, subtotal, discount, shipping, vat, wallet, due, cashback,
			captured, refunded, charged_back, lines, updated_at FROM ` + TableOrders + ` WHERE order_id = ?`),
		subs: rebind(`SELECT sub_order_id, vendor_id, status, total, commission, lines, shipment_id, cancel_reason, updated_at
			FROM ` + TableSubOrders + ` WHERE order_id = ? ORDER BY sub_order_id`),
		pays: rebind(`SELECT payment_id, method, provider, status, currency, amount, captured, refunded, charged_back
			FROM ` + TablePayments + ` WHERE order_id = ? ORDER BY initiated_at, payment_id`),
		ships: rebind(`SELECT shipment_id, sub_order_id, carrier, tracking_number, status, updated_at
			FROM ` + TableShipments + ` WHERE order_id = ? ORDER BY shipment_id`),
		timeline: rebind(`SELECT at, type, detail FROM ` + TableTimeline + ` WHERE order_id = ? ORDER BY at, seq`),
	}
}

// List reads up to limit orders after key (nil: from the newest), and the
// key of the next page (nil when this was the last).
func (r *Reader) List(ctx context.Context, f Filter, after *Key, limit int) ([]Summary, *Key, error) {
	k := Key{PlacedAt: math.MaxInt64}
	if after != nil {
		k = *after
	}
	q, args := r.listAll, []any{f.Status, f.Status, k.PlacedAt, k.OrderID, limit + 1}
	if f.Customer != "" {
		q, args = r.listCustomer, append([]any{f.Customer}, args...)
	}
	st, err := r.stmt(ctx, q)
	if err != nil {
		return nil, nil, fmt.Errorf("orderq: list: %w", err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("orderq: list: %w", err)
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		var s Summary
		var placed int64
		if err := rows.Scan(&s.OrderID, &s.CustomerID, &placed, &s.Status, &s.PaymentStatus, &s.Fulfilment,
			&s.Total.Currency, &s.Total.Amount, &s.Items); err != nil {
			return nil, nil, fmt.Errorf("orderq: list: %w", err)
		}
		s.PlacedAt = time.Unix(0, placed).UTC()
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("orderq: list: %w", err)
	}
	if len(out) <= limit {
		return out, nil, nil
	}
	out = out[:limit]
	last := out[limit-1]
	return out, &Key{PlacedAt: last.PlacedAt.UnixNano(), OrderID: last.OrderID}, nil
}

// Get reads an order's detail; an unknown order is sql.ErrNoRows.
func (r *Reader) Get(ctx context.Context, id string) (Detail, error) {
	// The statements first, then the transaction: preparing one takes a
	// connection from the pool, and doing that while this read holds one
	// for its transaction deadlocked once every pooled connection was held
	// by a read waiting to prepare (a pool of one: at the first read).
	var sts detailStmts
	for _, p := range []struct {
		st **sql.Stmt
		q  string
	}{{&sts.get, r.get}, {&sts.subs, r.subs}, {&sts.pays, r.pays}, {&sts.ships, r.ships}, {&sts.timeline, r.timeline}} {
		st, err := r.stmt(ctx, p.q)
		if err != nil {
			return Detail{}, fmt.Errorf("orderq: get %s: %w", id, err)
		}
		*p.st = st
	}
	// One read transaction, so the parts agree with each other even while
	// the projector commits.
	tx, err := r.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Detail{}, fmt.Errorf("orderq: get %s: %w", id, err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	d, err := r.get1(ctx, tx, &sts, id)
	if err != nil {
		return Detail{}, fmt.Errorf("orderq: get %s: %w", id, err)
	}
	return d, nil
}

// detailStmts are the prepared statements of a detail read.
type detailStmts struct{ get, subs, pays, ships, timeline *sql.Stmt }

func (r *Reader) get1(ctx context.Context, tx *sql.Tx, sts *detailStmts, id string) (Detail, error) {
	var d Detail
	var placed, updated int64
	var cur string
	var lines string
	t := &d.Totals
	if err := tx.StmtContext(ctx, sts.get).QueryRowContext(ctx, id).Scan(&d.OrderID, &d.CustomerID, &placed, &d.Status, &d.PaymentStatus, &d.Fulfilment,
		&cur, &t.Total.Amount, &d.Items, &d.Country, &d.PaymentMethod, &t.Subtotal.Amount, &t.Discount.Amount, &t.Shipping.Amount,
		&t.VAT.Amount, &t.Wallet.Amount, &t.Due.Amount, &t.Cashback.Amount,
		&d.Payment.Captured.Amount, &d.Payment.Refunded.Amount, &d.Payment.ChargedBack.Amount, &lines, &updated); err != nil {
		return d, err
	}
	for _, m := range []*Money{&t.Subtotal, &t.Discount, &t.Shipping, &t.VAT, &t.Total, &t.Wallet, &t.Due, &t.Cashback,
		&d.Payment.Captured, &d.Payment.Refunded, &d.Payment.ChargedBack} {
		m.Currency = cur
	}
	d.Total, d.Payment.Status = t.Total, d.PaymentStatus
	d.PlacedAt, d.UpdatedAt = time.Unix(0, placed).UTC(), time.Unix(0, updated).UTC()
	d.Lines = json.RawMessage(lines)
	d.SubOrders, d.Payments, d.Shipments, d.Timeline = []SubOrder{}, []PaymentRow{}, []Shipment{}, []Step{}

	if err := each(ctx, tx, sts.subs, id, func(rows *sql.Rows) error {
		var s SubOrder
		var skus string
		var at int64
		if err := rows.Scan(&s.SubOrderID, &s.VendorID, &s.Status, &s.Total.Amount, &s.Commission.Amount, &skus, &s.ShipmentID, &s.CancelReason, &at); err != nil {
			return err
		}
		s.Total.Currency, s.Commission.Currency = cur, cur
		if err := json.Unmarshal([]byte(skus), &s.Lines); err != nil {
			return fmt.Errorf("sub-order %s lines: %w", s.SubOrderID, err)
		}
		if at != 0 {
			u := time.Unix(0, at).UTC()
			s.UpdatedAt = &u
		}
		d.SubOrders = append(d.SubOrders, s)
		return nil
	}); err != nil {
		return d, err
	}
	if err := each(ctx, tx, sts.pays, id, func(rows *sql.Rows) error {
		var p PaymentRow
		var c string
		if err := rows.Scan(&p.PaymentID, &p.Method, &p.Provider, &p.Status, &c, &p.Amount.Amount, &p.Captured.Amount, &p.Refunded.Amount, &p.ChargedBack.Amount); err != nil {
			return err
		}
		p.Amount.Currency, p.Captured.Currency, p.Refunded.Currency, p.ChargedBack.Currency = c, c, c, c
		d.Payments = append(d.Payments, p)
		return nil
	}); err != nil {
		return d, err
	}
	if err := each(ctx, tx, sts.ships, id, func(rows *sql.Rows) error {
		var s Shipment
		var at int64
		if err := rows.Scan(&s.ShipmentID, &s.SubOrderID, &s.Carrier, &s.TrackingNumber, &s.Status, &at); err != nil {
			return err
		}
		s.UpdatedAt = time.Unix(0, at).UTC()
		d.Shipments = append(d.Shipments, s)
		return nil
	}); err != nil {
		return d, err
	}
	err := each(ctx, tx, sts.timeline, id, func(rows *sql.Rows) error {
		var s Step
		var at int64
		if err := rows.Scan(&at, &s.Type, &s.Detail); err != nil {
			return err
		}
		s.At = time.Unix(0, at).UTC()
		d.Timeline = append(d.Timeline, s)
		return nil
	})
	return d, err
}

// each runs st, bound to tx (its connection's prepared copy), and scans
// every row.
func each(ctx context.Context, tx *sql.Tx, st *sql.Stmt, id string, scan func(*sql.Rows) error) error {
	rows, err := tx.StmtContext(ctx, st).QueryContext(ctx, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
