package orders_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/orders"
	"github.com/souq-market/souq/projections/orders/orderq"
	"github.com/souq-market/souq/projections/viewtest"
)

func aed(n int64) domain.Money { m, _ := domain.New(n, domain.AED); return m }

func placed(id, customer string, at time.Time, due, wallet int64, method order.PaymentMethod, vendors ...string) order.Placed {
	p := order.Placed{OrderID: domain.OrderID(id), CustomerID: domain.CustomerID(customer), Country: "AE", PaymentMethod: method,
		ReturnWindowDays: 14, At: at}
	var total int64
	for i, v := range vendors {
		sku := domain.SKU(fmt.Sprintf("sku-%s-%d", v, i))
		p.Lines = append(p.Lines, order.PricedLine{SKU: sku, ProductID: "p-1", VendorID: domain.VendorID(v), Quantity: 2,
			UnitPrice: aed(5000), Total: aed(10000), Discount: aed(0)})
		p.SubOrders = append(p.SubOrders, order.SubOrder{ID: domain.SubOrderID(fmt.Sprintf("%s-s%d", id, i+1)), VendorID: domain.VendorID(v),
			Lines: []domain.SKU{sku}, Subtotal: aed(10000), Discount: aed(0), Shipping: aed(0), Total: aed(10000), VAT: aed(476),
			CommissionRate: 1500, Commission: aed(1500)})
		total += 10000
	}
	p.Totals = order.Totals{Subtotal: aed(total), Discount: aed(0), Shipping: aed(0), Total: aed(total), VAT: aed(total * 5 / 105),
		Cashback: aed(0), Wallet: aed(wallet), Due: aed(due)}
	return p
}

// history: o-1 paid by card, one part delivered and one cancelled, then a
// partial refund; o-2 cash on delivery, pending; o-3 all from the wallet;
// then six more orders of c-1 placed in the same second, for the pager.
func history(t *testing.T) *viewtest.History {
	h := viewtest.NewHistory(t, registry())
	at := h.At()
	h.Add("payment-pay-1", payment.Initiated{PaymentID: "pay-1", OrderID: "o-1", CustomerID: "c-1", Method: payment.Card, Provider: "sandbox", ProviderRef: "r1", Amount: aed(20000), At: at})
	h.Add("order-o-1", placed("o-1", "c-1", at, 20000, 0, order.PayByCard, "v-1", "v-2"))
	h.Add("payment-pay-1", payment.Authorized{ProviderEventID: "e1", Amount: aed(20000), At: at})
	h.Add("payment-pay-1", payment.Captured{ProviderEventID: "e2", Amount: aed(20000), At: at})
	h.Add("order-o-1", order.Paid{PaymentID: "pay-1", Amount: aed(20000), At: at})
	h.Add("order-o-1", order.Confirmed{At: at})
	h.Add("order-o-1", order.SubOrderFulfilled{SubOrderID: "o-1-s1", At: at})
	h.Add("shipment-sh-1", shipment.Created{ShipmentID: "sh-1", OrderID: "o-1", SubOrderID: "o-1-s1", VendorID: "v-1", Carrier: shipment.Aramex, TrackingNumber: "TRK1", LabelKey: "l", At: at})
	h.Add("order-o-1", order.SubOrderShipped{SubOrderID: "o-1-s1", ShipmentID: "sh-1", At: at})
	h.Add("shipment-sh-1", shipment.StatusChanged{CarrierEventID: "c1", Status: shipment.InTransit, CarrierStatus: "SHP", Location: "Dubai", OccurredAt: at.Add(time.Hour), At: at})
	h.Add("order-o-1", order.SubOrderCancelled{SubOrderID: "o-1-s2", Reason: "out of stock", At: at})
	h.Add("shipment-sh-1", shipment.StatusChanged{CarrierEventID: "c2", Status: shipment.Delivered, CarrierStatus: "DLV", OccurredAt: at.Add(2 * time.Hour), At: at})
	h.Add("order-o-1", order.SubOrderDelivered{SubOrderID: "o-1-s1", At: at})
	h.Add("payment-pay-1", payment.Refunded{RefundID: "rf-1", Amount: aed(10000), Reason: "part cancelled", At: at})

	at2 := at.Add(time.Minute)
	h.Add("order-o-2", placed("o-2", "c-1", at2, 10000, 0, order.PayOnDelivery, "v-1"))
	h.Add("payment-pay-2", payment.Initiated{PaymentID: "pay-2", OrderID: "o-2", CustomerID: "c-1", Method: payment.COD, Provider: "cod", ProviderRef: "r2", Amount: aed(10000), At: at2})
	h.Add("order-o-3", placed("o-3", "c-2", at2, 0, 10000, order.PayByCard, "v-2"))
	h.Add("order-o-3", order.Paid{PaymentID: "", Amount: aed(10000), At: at2})
	at3 := at.Add(2 * time.Minute)
	for i := range 6 {
		h.Add(fmt.Sprintf("order-o-9%d", i), placed(fmt.Sprintf("o-9%d", i), "c-1", at3, 10000, 0, order.PayByCard, "v-3"))
	}
	return h
}

// dump is every row of the view, positions left out: they differ between
// interleavings of one history.
func dump(t *testing.T, db viewtest.DB) string {
	return viewtest.Dump(t, db.R,
		`SELECT order_id, customer_id, placed_at, status, payment_status, fulfilment, country, payment_method, currency, subtotal, discount, shipping, vat, total, wallet, due, cashback, captured, refunded, charged_back, items, lines FROM orders ORDER BY order_id`,
		`SELECT order_id, sub_order_id, vendor_id, status, total, commission, lines, shipment_id, cancel_reason, updated_at FROM order_suborders ORDER BY order_id, sub_order_id`,
		`SELECT payment_id, order_id, method, provider, status, currency, amount, captured, refunded, charged_back, initiated_at FROM order_payments ORDER BY payment_id`,
		`SELECT shipment_id, order_id, sub_order_id, carrier, tracking_number, status, updated_at FROM order_shipments ORDER BY shipment_id`,
		`SELECT order_id, event_id, at, type, detail FROM order_timeline ORDER BY order_id, event_id`)
}

func TestOrdersView(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		h := history(t)
		reg := registry()
		viewtest.Prove(t, db, h.Store, func() projections.Projector { return orders.New(reg) }, func(db viewtest.DB) string { return dump(t, db) })
		rd := orderq.New(db.R, db.Rebind)
		ctx := context.Background()

		d, err := rd.Get(ctx, "o-1")
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != "confirmed" || d.PaymentStatus != "partially refunded" || d.Fulfilment != "delivered" ||
			d.Payment.Captured.Amount != 20000 || d.Payment.Refunded.Amount != 10000 || d.Total != (orderq.Money{Amount: 20000, Currency: "AED"}) {
			t.Fatalf("o-1: %+v", d.Summary)
		}
		if len(d.SubOrders) != 2 || d.SubOrders[0].Status != "delivered" || d.SubOrders[0].ShipmentID != "sh-1" ||
			d.SubOrders[1].Status != "cancelled" || d.SubOrders[1].CancelReason != "out of stock" {
			t.Fatalf("o-1 sub-orders: %+v", d.SubOrders)
		}
		if len(d.Shipments) != 1 || d.Shipments[0].Status != "delivered" || d.Shipments[0].TrackingNumber != "TRK1" {
			t.Fatalf("o-1 shipments: %+v", d.Shipments)
		}
		// 14 events of o-1, its payment and its shipment: one step each.
		if len(d.Timeline) != 14 || d.Timeline[0].Type != "payment.initiated" || d.Timeline[13].Type != "payment.refunded" {
			t.Fatalf("o-1 timeline: %+v", d.Timeline)
		}
		for i := 1; i < len(d.Timeline); i++ {
			if d.Timeline[i].At.Before(d.Timeline[i-1].At) {
				t.Fatalf("timeline out of order at %d: %+v", i, d.Timeline)
			}
		}
		if o2, err := rd.Get(ctx, "o-2"); err != nil || o2.PaymentStatus != "pending" || o2.Fulfilment != "unfulfilled" {
			t.Fatalf("o-2: %+v %v", o2.Summary, err)
		}
		if o3, err := rd.Get(ctx, "o-3"); err != nil || o3.PaymentStatus != "paid" || o3.Status != "paid" {
			t.Fatalf("o-3: %+v %v", o3.Summary, err)
		}
		if _, err := rd.Get(ctx, "o-404"); err == nil {
			t.Fatal("an unknown order was found")
		}

		// c-1's list, three at a time: newest first, ties by ID, no order
		// twice, none missing, the last page without a next key.
		var got []string
		var after *orderq.Key
		for pages := 0; ; pages++ {
			list, next, err := rd.List(ctx, orderq.Filter{Customer: "c-1"}, after, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range list {
				got = append(got, s.OrderID)
			}
			if next == nil {
				break
			}
			if pages > 5 {
				t.Fatal("the pager does not end")
			}
			after = next
		}
		want := "[o-95 o-94 o-93 o-92 o-91 o-90 o-2 o-1]"
		if fmt.Sprint(got) != want {
			t.Fatalf("c-1's orders: %v, want %v", got, want)
		}
		if list, _, err := rd.List(ctx, orderq.Filter{Status: "paid"}, nil, 10); err != nil || len(list) != 1 || list[0].OrderID != "o-3" {
			t.Fatalf("paid orders: %+v %v", list, err)
		}

	})
}

func registry() *eventstore.Registry {
	return viewtest.Registry(order.Events(), payment.Events(), shipment.Events())
}

// TestReaderWithEveryConnectionInUse: the detail read prepares its queries
// on first use. Preparing takes a connection from the pool; had it done so
// while holding its read transaction's, a pool of one (or n readers at once
// on a pool of n, as at a busy start) would wait for itself forever. The
// deadline only bounds the test: a deadlock ends in its error.
func TestReaderWithEveryConnectionInUse(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		h := history(t)
		viewtest.Project(t, db, h.Store, orders.New(registry()))
		db.R.SetMaxOpenConns(1)
		rd := orderq.New(db.R, db.Rebind)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for range 8 {
			wg.Go(func() {
				if _, err := rd.Get(ctx, "o-1"); err != nil {
					errs <- err
				}
				if _, _, err := rd.List(ctx, orderq.Filter{Customer: "c-1"}, nil, 3); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	})
}
