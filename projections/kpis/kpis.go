package kpis

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/kpis/kpiq"
)

// Name is the projector's checkpoint key; it never changes.
const Name = "kpis"

// Projector maintains the KPI counters.
type Projector struct{}

// New returns the KPI projector.
func New() *Projector { return &Projector{} }

// Name implements projections.Projector.
func (*Projector) Name() string { return Name }

// Tables implements projections.SQL.
func (*Projector) Tables() []projections.Table {
	return []projections.Table{
		{Name: kpiq.DailyTable, DDL: []string{`CREATE TABLE {kpi_daily} (
			day             TEXT NOT NULL,
			currency        TEXT NOT NULL,
			orders          BIGINT NOT NULL DEFAULT 0,
			gmv             BIGINT NOT NULL DEFAULT 0,
			cancelled       BIGINT NOT NULL DEFAULT 0,
			cancelled_value BIGINT NOT NULL DEFAULT 0,
			payments        BIGINT NOT NULL DEFAULT 0,
			payments_failed BIGINT NOT NULL DEFAULT 0,
			PRIMARY KEY (day, currency)
		)`}},
		{Name: kpiq.StatusTable, DDL: []string{`CREATE TABLE {kpi_status} (status TEXT PRIMARY KEY, n BIGINT NOT NULL)`}},
		{Name: "kpi_orders", DDL: []string{`CREATE TABLE {kpi_orders} (
			stream   TEXT PRIMARY KEY,
			day      TEXT NOT NULL,
			currency TEXT NOT NULL,
			total    BIGINT NOT NULL,
			status   TEXT NOT NULL
		)`}},
		{Name: "kpi_payments", DDL: []string{`CREATE TABLE {kpi_payments} (
			stream   TEXT PRIMARY KEY,
			day      TEXT NOT NULL,
			currency TEXT NOT NULL
		)`}},
	}
}

// Order states as the view counts them: the last lifecycle event.
var orderStatus = map[string]string{
	order.TypePlaced: "placed", order.TypePaid: "paid", order.TypeConfirmed: "confirmed",
	order.TypeDelivered: "delivered", order.TypeCompleted: "completed", order.TypeCancelled: "cancelled",
}

// Day is the UTC calendar day of t, the key of every daily figure.
func Day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// Statements, written once for both dialects.
const (
	bumpDaily = `INSERT INTO {kpi_daily} (day, currency, orders, gmv, cancelled, cancelled_value, payments, payments_failed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (day, currency) DO UPDATE SET
			orders = {kpi_daily}.orders + excluded.orders, gmv = {kpi_daily}.gmv + excluded.gmv,
			cancelled = {kpi_daily}.cancelled + excluded.cancelled, cancelled_value = {kpi_daily}.cancelled_value + excluded.cancelled_value,
			payments = {kpi_daily}.payments + excluded.payments, payments_failed = {kpi_daily}.payments_failed + excluded.payments_failed`
	bumpStatus = `INSERT INTO {kpi_status} (status, n) VALUES (?, ?)
		ON CONFLICT (status) DO UPDATE SET n = {kpi_status}.n + excluded.n`
)

// daily is one increment of a day's counters.
type daily struct {
	orders, gmv, cancelled, cancelledValue, payments, failed int64
}

func bump(ctx context.Context, tx *projections.Tx, day, currency string, d daily) error {
	_, err := tx.Exec(ctx, bumpDaily, day, currency, d.orders, d.gmv, d.cancelled, d.cancelledValue, d.payments, d.failed)
	return err
}

func status(ctx context.Context, tx *projections.Tx, s string, delta int64) error {
	_, err := tx.Exec(ctx, bumpStatus, s, delta)
	return err
}

// HandleBatch implements projections.SQL.
func (*Projector) HandleBatch(ctx context.Context, tx *projections.Tx, events []eventstore.RecordedEvent) error {
	for _, ev := range events {
		if err := apply(ctx, tx, ev); err != nil {
			return fmt.Errorf("kpis: %s at %d (%s): %w", ev.Type, ev.Position, ev.StreamID, err)
		}
	}
	return nil
}

func apply(ctx context.Context, tx *projections.Tx, ev eventstore.RecordedEvent) error {
	switch ev.Type {
	case order.TypePlaced:
		var e order.Placed
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return err
		}
		day, cur, total := Day(e.At), string(e.Totals.Total.Currency()), e.Totals.Total.Amount()
		if _, err := tx.Exec(ctx, `INSERT INTO {kpi_orders} (stream, day, currency, total, status) VALUES (?, ?, ?, ?, ?)`,
			ev.StreamID, day, cur, total, "placed"); err != nil {
			return err
		}
		if err := bump(ctx, tx, day, cur, daily{orders: 1, gmv: total}); err != nil {
			return err
		}
		return status(ctx, tx, "placed", 1)
	case order.TypePaid, order.TypeConfirmed, order.TypeDelivered, order.TypeCompleted, order.TypeCancelled:
		var day, cur, was string
		var total int64
		err := tx.QueryRow(ctx, `SELECT day, currency, total, status FROM {kpi_orders} WHERE stream = ?`, ev.StreamID).Scan(&day, &cur, &total, &was)
		if errors.Is(err, sql.ErrNoRows) {
			return errors.New("no order.placed before it")
		}
		if err != nil {
			return err
		}
		now := orderStatus[ev.Type]
		if now == was || was == "cancelled" {
			return nil // a cancelled order stays counted as cancelled
		}
		if _, err := tx.Exec(ctx, `UPDATE {kpi_orders} SET status = ? WHERE stream = ?`, now, ev.StreamID); err != nil {
			return err
		}
		if err := status(ctx, tx, was, -1); err != nil {
			return err
		}
		if err := status(ctx, tx, now, 1); err != nil {
			return err
		}
		if ev.Type == order.TypeCancelled {
			return bump(ctx, tx, day, cur, daily{cancelled: 1, cancelledValue: total})
		}
		return nil
	case payment.TypeInitiated:
		var e payment.Initiated
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return err
		}
		day, cur := Day(e.At), string(e.Amount.Currency())
		if _, err := tx.Exec(ctx, `INSERT INTO {kpi_payments} (stream, day, currency) VALUES (?, ?, ?)`, ev.StreamID, day, cur); err != nil {
			return err
		}
		return bump(ctx, tx, day, cur, daily{payments: 1})
	case payment.TypeFailed:
		var day, cur string
		err := tx.QueryRow(ctx, `SELECT day, currency FROM {kpi_payments} WHERE stream = ?`, ev.StreamID).Scan(&day, &cur)
		if errors.Is(err, sql.ErrNoRows) {
			return errors.New("no payment.initiated before it")
		}
		if err != nil {
			return err
		}
		return bump(ctx, tx, day, cur, daily{failed: 1})
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
