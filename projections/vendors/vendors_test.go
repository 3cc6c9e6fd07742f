package vendors

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/domain/vendor"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/vendors/market"
	"github.com/souq-market/souq/projections/vendors/vendorq"
	"github.com/souq-market/souq/projections/viewtest"
)

var dump = []string{
	`SELECT vendor_id, name, currency, status FROM vendor_profiles ORDER BY vendor_id`,
	`SELECT vendor_id, status, n FROM vendor_status ORDER BY vendor_id, status`,
	`SELECT vendor_id, day, currency, orders, sales, cancelled, cancelled_sales, earnings, commission FROM vendor_daily ORDER BY vendor_id, day, currency`,
	`SELECT vendor_id, currency, gross, commission, pending, payable, paid_out FROM vendor_balances ORDER BY vendor_id, currency`,
	`SELECT vendor_id, product_id, currency, units, revenue FROM vendor_products ORDER BY vendor_id, product_id, currency`,
	`SELECT sku, vendor_id, product_id, on_hand, reserved, available FROM vendor_stock ORDER BY sku`,
	`SELECT sub_order_id, order_stream, vendor_id, status, day, currency, total, lines FROM vendor_suborders ORDER BY sub_order_id`,
}

// TestReplayTwiceAndShuffled holds the view to the shared replay contract:
// rebuilt, redelivered in overlapping duplicate batches, or fed other
// interleavings of its aggregates, it ends with the same rows as once.
func TestReplayTwiceAndShuffled(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		st := viewtest.NewStore(t)
		market.History(t, st, 21, 200)
		viewtest.Prove(t, db, st, func() projections.Projector { return New() },
			func(db viewtest.DB) string { return viewtest.Dump(t, db.R, dump...) })
	})
}

// expect is one vendor's dashboard computed from the events the slow way.
type expect struct {
	status   map[string]int64
	balance  vendorq.Balance
	units    map[string]int64 // product → units not cancelled
	avail    map[string]int64 // sku → available
	sales    int64
	earnings int64
}

func oracle(t *testing.T, all []eventstore.RecordedEvent) map[string]*expect {
	out := map[string]*expect{}
	get := func(v string) *expect {
		if out[v] == nil {
			out[v] = &expect{status: map[string]int64{}, units: map[string]int64{}, avail: map[string]int64{}}
		}
		return out[v]
	}
	type sub struct {
		vendor, status string
		lines          []order.PricedLine
		total          int64
	}
	subs := map[string]*sub{}
	byOrder := map[string][]string{}
	skuVendor := map[string]string{}
	stockBySKU := map[string]int64{}
	set := func(id, to string) {
		s := subs[id]
		if s.status == to || s.status == Cancelled {
			return
		}
		e := get(s.vendor)
		e.status[s.status]--
		e.status[to]++
		s.status = to
		if to == Cancelled {
			e.sales -= s.total
			for _, l := range s.lines {
				e.units[string(l.ProductID)] -= l.Quantity
			}
		}
	}
	un := func(ev eventstore.RecordedEvent, v any) {
		if err := json.Unmarshal(ev.Data, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, ev := range all {
		v := ev.StreamID[len("vendor-"):min(len(ev.StreamID), len("vendor-")+10)]
		switch ev.Type {
		case order.TypePlaced:
			var e order.Placed
			un(ev, &e)
			for _, s := range e.SubOrders {
				x := &sub{vendor: string(s.VendorID), status: Placed, total: s.Total.Amount()}
				for _, l := range e.Lines {
					if l.VendorID == s.VendorID {
						x.lines = append(x.lines, l)
						get(x.vendor).units[string(l.ProductID)] += l.Quantity
					}
				}
				subs[string(s.ID)] = x
				byOrder[ev.StreamID] = append(byOrder[ev.StreamID], string(s.ID))
				get(x.vendor).status[Placed]++
				get(x.vendor).sales += x.total
			}
		case order.TypeConfirmed:
			for _, id := range byOrder[ev.StreamID] {
				if subs[id].status == Placed {
					set(id, Confirmed)
				}
			}
		case order.TypeCancelled:
			for _, id := range byOrder[ev.StreamID] {
				if subs[id].status != Delivered {
					set(id, Cancelled)
				}
			}
		case order.TypeSubOrderFulfilled, order.TypeSubOrderShipped, order.TypeSubOrderDelivered, order.TypeSubOrderCancelled:
			var e order.SubOrderFulfilled
			un(ev, &e)
			set(string(e.SubOrderID), map[string]string{order.TypeSubOrderFulfilled: Fulfilled, order.TypeSubOrderShipped: Shipped,
				order.TypeSubOrderDelivered: Delivered, order.TypeSubOrderCancelled: Cancelled}[ev.Type])
		case vendor.TypeEarningRecorded:
			var e vendor.EarningRecorded
			un(ev, &e)
			b := &get(v).balance
			b.Gross += e.Gross.Amount()
			b.Commission += e.Commission.Amount()
			b.Pending += e.Amount.Amount()
			get(v).earnings += e.Amount.Amount()
		case vendor.TypeEarningReversed:
			var e vendor.EarningReversed
			un(ev, &e)
			get(v).balance.Pending -= e.Amount.Amount()
			get(v).earnings -= e.Amount.Amount()
		case vendor.TypeEarningPayable:
			var e vendor.EarningPayable
			un(ev, &e)
			get(v).balance.Pending -= e.Amount.Amount()
			get(v).balance.Payable += e.Amount.Amount()
		case vendor.TypePaidOut:
			var e vendor.PaidOut
			un(ev, &e)
			get(v).balance.Payable -= e.Amount.Amount()
			get(v).balance.PaidOut += e.Amount.Amount()
		case product.TypeListed:
			var e product.Listed
			un(ev, &e)
			for _, x := range e.Variants {
				skuVendor[string(x.SKU)] = string(e.VendorID)
			}
		case inventory.TypeReceived:
			var e inventory.Received
			un(ev, &e)
			stockBySKU[string(e.SKU)] += e.Quantity
		case inventory.TypeReserved:
			var e inventory.Reserved
			un(ev, &e)
			stockBySKU[string(e.SKU)] -= e.Quantity
		case inventory.TypeReservationReleased:
			var e inventory.ReservationReleased
			un(ev, &e)
			stockBySKU[string(e.SKU)] += e.Quantity
		}
	}
	for sku, n := range stockBySKU {
		get(skuVendor[sku]).avail[sku] = n
	}
	for _, e := range out {
		for k, n := range e.status {
			if n == 0 {
				delete(e.status, k)
			}
		}
	}
	return out
}

func TestDashboardMatchesTheEvents(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		st := viewtest.NewStore(t)
		market.History(t, st, 22, 250)
		viewtest.Project(t, db, st, New())
		want := oracle(t, viewtest.Events(t, st))
		r := vendorq.New(db.R, db.Rebind)
		q := vendorq.Query{From: market.Start, To: market.Start.AddDate(0, 0, 60), Threshold: 1 << 40, Top: vendorq.MaxList}
		cancelled := int64(0)
		for _, v := range []string{"v-0", "v-1", "v-2", "v-3"} {
			d, err := r.Dashboard(context.Background(), v, q)
			if err != nil {
				t.Fatal(err)
			}
			w := want[v]
			if d.Name == "" || d.Status != "approved" || (d.Currency != "AED" && d.Currency != "SAR") {
				t.Fatalf("%s: profile %q %q %q", v, d.Name, d.Status, d.Currency)
			}
			if !reflect.DeepEqual(d.SubOrders, w.status) {
				t.Fatalf("%s: sub-orders by status %v, want %v", v, d.SubOrders, w.status)
			}
			cancelled += d.SubOrders[Cancelled]
			var b vendorq.Balance
			for _, x := range d.Balances {
				b.Gross += x.Gross
				b.Commission += x.Commission
				b.Pending += x.Pending
				b.Payable += x.Payable
				b.PaidOut += x.PaidOut
			}
			if b != w.balance || b.PaidOut == 0 || b.Pending == 0 {
				t.Fatalf("%s: balances %+v, want %+v (and some of each)", v, b, w.balance)
			}
			var sales, earnings int64
			for _, x := range d.Days {
				sales += x.Sales - x.CancelledSales
				earnings += x.Earnings
			}
			if sales != w.sales || earnings != w.earnings {
				t.Fatalf("%s: sales %d earnings %d, want %d and %d", v, sales, earnings, w.sales, w.earnings)
			}
			units := map[string]int64{}
			for i, p := range d.Top {
				units[p.ProductID] += p.Units
				if i > 0 && p.Units > d.Top[i-1].Units {
					t.Fatalf("%s: top products out of order: %+v", v, d.Top)
				}
			}
			for k, n := range w.units {
				if n == 0 {
					delete(w.units, k)
				}
			}
			if !reflect.DeepEqual(units, w.units) {
				t.Fatalf("%s: units %v, want %v", v, units, w.units)
			}
			avail := map[string]int64{}
			for i, s := range d.LowStock {
				avail[s.SKU] = s.Available
				if s.Available != s.OnHand-s.Reserved || (i > 0 && s.Available < d.LowStock[i-1].Available) {
					t.Fatalf("%s: low stock %+v", v, d.LowStock)
				}
			}
			if !reflect.DeepEqual(avail, w.avail) {
				t.Fatalf("%s: available %v, want %v", v, avail, w.avail)
			}

			// A threshold and short lists cut the lists, lowest and highest first.
			small, err := r.Dashboard(context.Background(), v, vendorq.Query{From: q.From, To: q.To, Threshold: d.LowStock[1].Available, Top: 2, LowStock: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(small.Top) != 2 || small.Top[0] != d.Top[0] || len(small.LowStock) != 1 || small.LowStock[0] != d.LowStock[0] {
				t.Fatalf("%s: short lists %+v %+v", v, small.Top, small.LowStock)
			}
		}
		if cancelled == 0 {
			t.Fatal("no cancelled sub-order in the history: the test proves little")
		}
		if _, err := r.Dashboard(context.Background(), "v-nobody", q); !errors.Is(err, vendorq.ErrNotFound) {
			t.Fatalf("unknown vendor: %v", err)
		}
		if _, err := r.Dashboard(context.Background(), "v-0", vendorq.Query{From: q.To, To: q.From}); !errors.Is(err, vendorq.ErrBadQuery) {
			t.Fatalf("reversed range: %v", err)
		}
		if _, err := r.Dashboard(context.Background(), "v-0", vendorq.Query{From: q.From, To: q.From.Add(400 * 24 * time.Hour)}); !errors.Is(err, vendorq.ErrBadQuery) {
			t.Fatalf("long range: %v", err)
		}
	})
}
