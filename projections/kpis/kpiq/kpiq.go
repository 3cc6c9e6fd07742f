package kpiq

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Tables the reader reads.
const (
	DailyTable  = "kpi_daily"
	StatusTable = "kpi_status"
)

// MaxDays bounds a report, so a read is at most MaxDays rows per currency.
const MaxDays = 366

// ErrBadQuery: the range is reversed or too long.
var ErrBadQuery = errors.New("kpiq: bad query")

// Day is one day's figures in one currency. Amounts are integer minor units
// of Currency; Day is empty in a total.
type Day struct {
	Day      string `json:"day,omitempty"`
	Currency string `json:"currency"`
	Orders   int64  `json:"orders"`
	GMV      int64  `json:"gmv"`
	// AOV is GMV / Orders, rounded half up; 0 without orders.
	AOV            int64 `json:"average_order_value"`
	Cancelled      int64 `json:"cancelled"`
	CancelledValue int64 `json:"cancelled_value"`
	Payments       int64 `json:"payment_attempts"`
	PaymentsFailed int64 `json:"payment_failures"`
	// FailureRate is PaymentsFailed / Payments; 0 without attempts.
	FailureRate float64 `json:"payment_failure_rate"`
}

func (d *Day) derive() {
	if d.Orders > 0 {
		d.AOV = (d.GMV + d.Orders/2) / d.Orders
	}
	if d.Payments > 0 {
		d.FailureRate = float64(d.PaymentsFailed) / float64(d.Payments)
	}
}

// Report is a range of days: each day with figures, the totals of the
// range per currency, and orders by status now (all currencies).
type Report struct {
	From     string           `json:"from"`
	To       string           `json:"to"`
	Days     []Day            `json:"days"`
	Totals   []Day            `json:"totals"`
	ByStatus map[string]int64 `json:"orders_by_status"`
}

// Reader reads the view.
type Reader struct {
	db     *sql.DB
	rebind func(string) string
}

// New returns a reader over db; rebind rewrites ? for the dialect.
func New(db *sql.DB, rebind func(string) string) *Reader { return &Reader{db: db, rebind: rebind} }

// Report reads the days from..to (UTC calendar days, both included), of
// one currency or, when currency is empty, of each.
func (r *Reader) Report(ctx context.Context, from, to time.Time, currency string) (Report, error) {
	f, l := from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly)
	if l < f {
		return Report{}, fmt.Errorf("%w: from %s is after to %s", ErrBadQuery, f, l)
	}
	if to.Sub(from) >= MaxDays*24*time.Hour {
		return Report{}, fmt.Errorf("%w: more than %d days", ErrBadQuery, MaxDays)
	}
	stmt := `SELECT day, currency, orders, gmv, cancelled, cancelled_value, payments, payments_failed
		FROM ` + DailyTable + ` WHERE day >= ? AND day <= ?`
	args := []any{f, l}
	if currency != "" {
		stmt += ` AND currency = ?`
		args = append(args, currency)
	}
	stmt += ` ORDER BY day, currency`
	rep := Report{From: f, To: l, Days: []Day{}, Totals: []Day{}, ByStatus: map[string]int64{}}
	// One snapshot for both tables, so the figures agree with each other.
	tx, err := r.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Report{}, fmt.Errorf("kpiq: report: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := tx.QueryContext(ctx, r.rebind(stmt), args...)
	if err != nil {
		return Report{}, fmt.Errorf("kpiq: report: %w", err)
	}
	totals := map[string]*Day{}
	var order []string
	for rows.Next() {
		var d Day
		if err := rows.Scan(&d.Day, &d.Currency, &d.Orders, &d.GMV, &d.Cancelled, &d.CancelledValue, &d.Payments, &d.PaymentsFailed); err != nil {
			rows.Close()
			return Report{}, fmt.Errorf("kpiq: report: %w", err)
		}
		d.derive()
		rep.Days = append(rep.Days, d)
		t := totals[d.Currency]
		if t == nil {
			t = &Day{Currency: d.Currency}
			totals[d.Currency] = t
			order = append(order, d.Currency)
		}
		t.Orders += d.Orders
		t.GMV += d.GMV
		t.Cancelled += d.Cancelled
		t.CancelledValue += d.CancelledValue
		t.Payments += d.Payments
		t.PaymentsFailed += d.PaymentsFailed
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Report{}, fmt.Errorf("kpiq: report: %w", err)
	}
	for _, c := range order {
		t := totals[c]
		t.derive()
		rep.Totals = append(rep.Totals, *t)
	}
	srows, err := tx.QueryContext(ctx, `SELECT status, n FROM `+StatusTable+` WHERE n <> 0`)
	if err != nil {
		return Report{}, fmt.Errorf("kpiq: report: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var s string
		var n int64
		if err := srows.Scan(&s, &n); err != nil {
			return Report{}, fmt.Errorf("kpiq: report: %w", err)
		}
		rep.ByStatus[s] = n
	}
	if err := srows.Err(); err != nil {
		return Report{}, fmt.Errorf("kpiq: report: %w", err)
	}
	return rep, nil
}
