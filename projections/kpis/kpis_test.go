package kpis

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/kpis/kpiq"
	"github.com/souq-market/souq/projections/vendors/market"
	"github.com/souq-market/souq/projections/viewtest"
)

var dump = []string{
	`SELECT day, currency, orders, gmv, cancelled, cancelled_value, payments, payments_failed FROM kpi_daily ORDER BY day, currency`,
	`SELECT status, n FROM kpi_status ORDER BY status`,
	`SELECT stream, day, currency, total, status FROM kpi_orders ORDER BY stream`,
	`SELECT stream, day, currency FROM kpi_payments ORDER BY stream`,
}

// TestReplayTwiceAndShuffled holds the view to the shared replay contract:
// rebuilt, redelivered in overlapping duplicate batches, or fed other
// interleavings of its aggregates, it ends with the same rows as once.
func TestReplayTwiceAndShuffled(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		st := viewtest.NewStore(t)
		market.History(t, st, 11, 200)
		viewtest.Prove(t, db, st, func() projections.Projector { return New() },
			func(db viewtest.DB) string { return viewtest.Dump(t, db.R, dump...) })
	})
}

// oracle computes the report from the events directly, the slow way.
func oracle(t *testing.T, all []eventstore.RecordedEvent) (map[[2]string]kpiq.Day, map[string]int64) {
	days := map[[2]string]kpiq.Day{}
	status := map[string]string{}
	orders := map[string]order.Placed{}
	pays := map[string]payment.Initiated{}
	for _, ev := range all {
		switch ev.Type {
		case order.TypePlaced:
			var e order.Placed
			if err := json.Unmarshal(ev.Data, &e); err != nil {
				t.Fatal(err)
			}
			orders[ev.StreamID] = e
			k := [2]string{Day(e.At), string(e.Totals.Total.Currency())}
			d := days[k]
			d.Orders++
			d.GMV += e.Totals.Total.Amount()
			days[k] = d
			status[ev.StreamID] = "placed"
		case order.TypePaid, order.TypeConfirmed, order.TypeDelivered, order.TypeCompleted:
			if status[ev.StreamID] != "cancelled" {
				status[ev.StreamID] = orderStatus[ev.Type]
			}
		case order.TypeCancelled:
			e := orders[ev.StreamID]
			k := [2]string{Day(e.At), string(e.Totals.Total.Currency())}
			d := days[k]
			d.Cancelled++
			d.CancelledValue += e.Totals.Total.Amount()
			days[k] = d
			status[ev.StreamID] = "cancelled"
		case payment.TypeInitiated:
			var e payment.Initiated
			if err := json.Unmarshal(ev.Data, &e); err != nil {
				t.Fatal(err)
			}
			pays[ev.StreamID] = e
			k := [2]string{Day(e.At), string(e.Amount.Currency())}
			d := days[k]
			d.Payments++
			days[k] = d
		case payment.TypeFailed:
			e := pays[ev.StreamID]
			k := [2]string{Day(e.At), string(e.Amount.Currency())}
			d := days[k]
			d.PaymentsFailed++
			days[k] = d
		}
	}
	by := map[string]int64{}
	for _, s := range status {
		by[s]++
	}
	return days, by
}

func TestReportMatchesTheEvents(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		st := viewtest.NewStore(t)
		market.History(t, st, 12, 300)
		viewtest.Project(t, db, st, New())
		days, byStatus := oracle(t, viewtest.Events(t, st))
		r := kpiq.New(db.R, db.Rebind)
		from, to := market.Start, market.Start.AddDate(0, 0, 30)
		rep, err := r.Report(context.Background(), from, to, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Days) != len(days) {
			t.Fatalf("%d day rows, want %d", len(rep.Days), len(days))
		}
		failures := int64(0)
		for _, got := range rep.Days {
			w := days[[2]string{got.Day, got.Currency}]
			if got.Orders != w.Orders || got.GMV != w.GMV || got.Cancelled != w.Cancelled || got.CancelledValue != w.CancelledValue ||
				got.Payments != w.Payments || got.PaymentsFailed != w.PaymentsFailed {
				t.Fatalf("%s %s: %+v, want %+v", got.Day, got.Currency, got, w)
			}
			if got.Orders > 0 && (got.AOV*got.Orders > got.GMV+got.Orders || (got.AOV+1)*got.Orders <= got.GMV) {
				t.Fatalf("%s %s: AOV %d of GMV %d over %d orders", got.Day, got.Currency, got.AOV, got.GMV, got.Orders)
			}
			if got.Payments > 0 && got.FailureRate != float64(got.PaymentsFailed)/float64(got.Payments) {
				t.Fatalf("%s %s: failure rate %v", got.Day, got.Currency, got.FailureRate)
			}
			failures += got.PaymentsFailed
		}
		if failures == 0 || len(rep.Totals) != 2 {
			t.Fatalf("the history has %d payment failures and %d currencies: it proves little", failures, len(rep.Totals))
		}
		if !reflect.DeepEqual(rep.ByStatus, byStatus) {
			t.Fatalf("by status %v, want %v", rep.ByStatus, byStatus)
		}

		// One currency, one day.
		first := rep.Days[0]
		day, _ := time.Parse(time.DateOnly, first.Day)
		one, err := r.Report(context.Background(), day, day, first.Currency)
		if err != nil {
			t.Fatal(err)
		}
		if len(one.Days) != 1 || one.Days[0] != first || len(one.Totals) != 1 || one.Totals[0].GMV != first.GMV {
			t.Fatalf("one day, one currency: %+v, want %+v", one, first)
		}
		for _, c := range [][2]time.Time{{to, from}, {from, from.AddDate(2, 0, 0)}} {
			if _, err := r.Report(context.Background(), c[0], c[1], ""); !errors.Is(err, kpiq.ErrBadQuery) {
				t.Fatalf("range %v–%v: %v, want ErrBadQuery", c[0], c[1], err)
			}
		}
	})
}
