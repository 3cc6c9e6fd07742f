package vendorq

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Tables the reader reads.
const (
	ProfileTable = "vendor_profiles"
	StatusTable  = "vendor_status"
	DailyTable   = "vendor_daily"
	BalanceTable = "vendor_balances"
	ProductTable = "vendor_products"
	StockTable   = "vendor_stock"
)

// Limits of a dashboard read.
const (
	MaxDays          = 366
	DefaultDays      = 30
	DefaultThreshold = 5
	DefaultTop       = 10
	MaxList          = 100
)

// Errors of the reader; match them with errors.Is.
var (
	ErrNotFound = errors.New("vendorq: no such vendor")
	ErrBadQuery = errors.New("vendorq: bad query")
)

// Dashboard is one vendor's dashboard. Amounts are integer minor units of
// the row's currency.
type Dashboard struct {
	VendorID  string           `json:"vendor_id"`
	Name      string           `json:"name"`
	Currency  string           `json:"currency"`
	Status    string           `json:"status"`
	SubOrders map[string]int64 `json:"sub_orders_by_status"`
	Days      []Day            `json:"days"`
	Balances  []Balance        `json:"balances"`
	LowStock  []Stock          `json:"low_stock"`
	Top       []Product        `json:"top_products"`
}

// Day is one day's sales (sub-orders placed that day, and of those the
// ones cancelled since) and earnings (recorded that day, net of reversals).
type Day struct {
	Day            string `json:"day"`
	Currency       string `json:"currency"`
	Orders         int64  `json:"sub_orders"`
	Sales          int64  `json:"sales"`
	Cancelled      int64  `json:"cancelled"`
	CancelledSales int64  `json:"cancelled_sales"`
	Earnings       int64  `json:"earnings"`
	Commission     int64  `json:"commission"`
}

// Balance is where a vendor's earnings stand in one currency: Pending until
// the return window closes, then Payable, then PaidOut. Gross and
// Commission are the totals of earnings recorded.
type Balance struct {
	Currency   string `json:"currency"`
	Gross      int64  `json:"gross"`
	Commission int64  `json:"commission"`
	Pending    int64  `json:"pending"`
	Payable    int64  `json:"payable"`
	PaidOut    int64  `json:"paid_out"`
}

// Stock is a SKU's stock summed over locations.
type Stock struct {
	SKU       string `json:"sku"`
	ProductID string `json:"product_id"`
	OnHand    int64  `json:"on_hand"`
	Reserved  int64  `json:"reserved"`
	Available int64  `json:"available"`
}

// Product is a product's sales (sub-orders not cancelled).
type Product struct {
	ProductID string `json:"product_id"`
	Currency  string `json:"currency"`
	Units     int64  `json:"units"`
	Revenue   int64  `json:"revenue"`
}

// Query shapes a dashboard; zero fields take the defaults.
type Query struct {
	From, To  time.Time // days shown, both included; default the last DefaultDays up to today
	Threshold int64     // a SKU is low at or below this many available; default DefaultThreshold
	Top       int       // how many top products; default DefaultTop
	LowStock  int       // how many low-stock SKUs, lowest first; default MaxList
}

// Reader reads the view.
type Reader struct {
	db     *sql.DB
	rebind func(string) string
	now    func() time.Time
}

// New returns a reader over db; rebind rewrites ? for the dialect.
func New(db *sql.DB, rebind func(string) string) *Reader {
	return &Reader{db: db, rebind: rebind, now: time.Now}
}

// Dashboard reads one vendor's dashboard, each part one primary-key or
// index range read, all in one read-only transaction.
func (r *Reader) Dashboard(ctx context.Context, vendorID string, q Query) (Dashboard, error) {
	if q.To.IsZero() {
		q.To = r.now()
	}
	if q.From.IsZero() {
		q.From = q.To.AddDate(0, 0, -(DefaultDays - 1))
	}
	if q.Threshold == 0 {
		q.Threshold = DefaultThreshold
	}
	if q.Top == 0 {
		q.Top = DefaultTop
	}
	if q.LowStock == 0 {
		q.LowStock = MaxList
	}
	from, to := q.From.UTC().Format(time.DateOnly), q.To.UTC().Format(time.DateOnly)
	switch {
	case to < from:
		return Dashboard{}, fmt.Errorf("%w: from %s is after to %s", ErrBadQuery, from, to)
	case q.To.Sub(q.From) >= MaxDays*24*time.Hour:
		return Dashboard{}, fmt.Errorf("%w: more than %d days", ErrBadQuery, MaxDays)
	case q.Top < 0 || q.Top > MaxList || q.LowStock < 0 || q.LowStock > MaxList:
		return Dashboard{}, fmt.Errorf("%w: lists are 1–%d long", ErrBadQuery, MaxList)
	}

	tx, err := r.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Dashboard{}, fmt.Errorf("vendorq: dashboard: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	d := Dashboard{VendorID: vendorID, SubOrders: map[string]int64{}, Days: []Day{}, Balances: []Balance{}, LowStock: []Stock{}, Top: []Product{}}
	err = tx.QueryRowContext(ctx, r.rebind(`SELECT name, currency, status FROM `+ProfileTable+` WHERE vendor_id = ?`), vendorID).
		Scan(&d.Name, &d.Currency, &d.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return Dashboard{}, fmt.Errorf("%w: %s", ErrNotFound, vendorID)
	}
	if err != nil {
		return Dashboard{}, fmt.Errorf("vendorq: dashboard: %w", err)
	}
	read := func(stmt string, args []any, scan func(*sql.Rows) error) error {
		rows, err := tx.QueryContext(ctx, r.rebind(stmt), args...)
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
	err = errors.Join(
		read(`SELECT status, n FROM `+StatusTable+` WHERE vendor_id = ? AND n <> 0`, []any{vendorID}, func(rs *sql.Rows) error {
			var s string
			var n int64
			err := rs.Scan(&s, &n)
			d.SubOrders[s] = n
			return err
		}),
		read(`SELECT day, currency, orders, sales, cancelled, cancelled_sales, earnings, commission FROM `+DailyTable+`
			WHERE vendor_id = ? AND day >= ? AND day <= ? ORDER BY day, currency`, []any{vendorID, from, to}, func(rs *sql.Rows) error {
			var x Day
			err := rs.Scan(&x.Day, &x.Currency, &x.Orders, &x.Sales, &x.Cancelled, &x.CancelledSales, &x.Earnings, &x.Commission)
			d.Days = append(d.Days, x)
			return err
		}),
		read(`SELECT currency, gross, commission, pending, payable, paid_out FROM `+BalanceTable+` WHERE vendor_id = ? ORDER BY currency`,
			[]any{vendorID}, func(rs *sql.Rows) error {
				var x Balance
				err := rs.Scan(&x.Currency, &x.Gross, &x.Commission, &x.Pending, &x.Payable, &x.PaidOut)
				d.Balances = append(d.Balances, x)
				return err
			}),
		read(`SELECT sku, product_id, on_hand, reserved, available FROM `+StockTable+`
			WHERE vendor_id = ? AND available <= ? ORDER BY available, sku LIMIT ?`, []any{vendorID, q.Threshold, q.LowStock}, func(rs *sql.Rows) error {
			var x Stock
			err := rs.Scan(&x.SKU, &x.ProductID, &x.OnHand, &x.Reserved, &x.Available)
			d.LowStock = append(d.LowStock, x)
			return err
		}),
		read(`SELECT product_id, currency, units, revenue FROM `+ProductTable+`
			WHERE vendor_id = ? AND units > 0 ORDER BY units DESC, product_id LIMIT ?`, []any{vendorID, q.Top}, func(rs *sql.Rows) error {
			var x Product
			err := rs.Scan(&x.ProductID, &x.Currency, &x.Units, &x.Revenue)
			d.Top = append(d.Top, x)
			return err
		}),
	)
	if err != nil {
		return Dashboard{}, fmt.Errorf("vendorq: dashboard %s: %w", vendorID, err)
	}
	return d, nil
}
