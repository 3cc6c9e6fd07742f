package orders_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/orders"
	"github.com/souq-market/souq/projections/viewtest"
)

// market appends at least n events of checkouts to st: card payments
// (authorized, captured, some refunded, some declined and cancelled), cash
// on delivery, wallet-only orders; one to three vendors per order, each
// part packed, labelled, shipped, tracked and delivered, some cancelled.
// Checkouts run 32 at a time, so the global order interleaves them as live
// traffic does. The same seed builds the same history.
func market(tb testing.TB, st eventstore.Store, n int, seed uint64) {
	tb.Helper()
	reg := registry()
	rnd := rand.New(rand.NewPCG(seed, 7))
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	type pending struct{ evs []streamEvent }
	var live []*pending
	k, written := 0, 0
	ctx := context.Background()
	for written < n {
		for len(live) < 32 {
			live = append(live, &pending{evs: checkout(rnd, k, at.Add(time.Duration(k)*time.Second))})
			k++
		}
		i := rnd.IntN(len(live))
		p := live[i]
		se := p.evs[0]
		if p.evs = p.evs[1:]; len(p.evs) == 0 {
			live = append(live[:i], live[i+1:]...)
		}
		written++
		ev, err := reg.NewEvent(uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "market/%d/%d", seed, written)).String(), se.e,
			eventstore.Metadata{CommandID: fmt.Sprintf("cmd-%d", written), Actor: eventstore.Actor{UserID: "u", Role: "customer"},
				RecordedAt: at.Add(time.Duration(written) * time.Millisecond)})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := st.Append(ctx, se.stream, eventstore.Any, []eventstore.EventData{ev}); err != nil {
			tb.Fatal(err)
		}
	}
}

type streamEvent struct {
	stream string
	e      domain.Event
}

func money(n int64) domain.Money { m, _ := domain.New(n, domain.AED); return m }

// checkout is one order's events, each stream in its own order.
func checkout(rnd *rand.Rand, k int, at time.Time) []streamEvent {
	id := fmt.Sprintf("o-%07d", k)
	vendors := 1 + rnd.IntN(3)
	var method order.PaymentMethod
	switch r := rnd.IntN(10); {
	case r < 6:
		method = order.PayByCard
	case r < 9:
		method = order.PayOnDelivery
	default:
		method = order.PayByWallet
	}
	p := order.Placed{OrderID: domain.OrderID(id), CustomerID: domain.CustomerID(fmt.Sprintf("c-%05d", rnd.IntN(20000))), Country: "AE",
		PaymentMethod: method, ReturnWindowDays: 14, At: at}
	var total int64
	for v := range vendors {
		sku := domain.SKU(fmt.Sprintf("sku-%d", rnd.IntN(500)))
		price := int64(5000 + rnd.IntN(50000))
		p.Lines = append(p.Lines, order.PricedLine{SKU: sku, ProductID: "p-1", VendorID: domain.VendorID(fmt.Sprintf("v-%d", v)), Quantity: 1,
			UnitPrice: money(price), Total: money(price), Discount: money(0)})
		p.SubOrders = append(p.SubOrders, order.SubOrder{ID: domain.SubOrderID(fmt.Sprintf("%s-s%d", id, v+1)), VendorID: domain.VendorID(fmt.Sprintf("v-%d", v)),
			Lines: []domain.SKU{sku}, Subtotal: money(price), Discount: money(0), Shipping: money(0), Total: money(price), VAT: money(price * 5 / 105),
			CommissionRate: 1500, Commission: money(price * 15 / 100)})
		total += price
	}
	due, wallet := total, int64(0)
	if method == order.PayByWallet {
		due, wallet = 0, total
	}
	p.Totals = order.Totals{Subtotal: money(total), Discount: money(0), Shipping: money(0), Total: money(total), VAT: money(total * 5 / 105),
		Cashback: money(0), Wallet: money(wallet), Due: money(due)}
	os, ps := "order-"+id, "payment-pay-"+id
	evs := []streamEvent{{os, p}}
	pay := func(e domain.Event) { evs = append(evs, streamEvent{ps, e}) }
	ord := func(e domain.Event) { evs = append(evs, streamEvent{os, e}) }
	switch method {
	case order.PayByCard:
		pay(payment.Initiated{PaymentID: domain.PaymentID("pay-" + id), OrderID: domain.OrderID(id), CustomerID: p.CustomerID, Method: payment.Card,
			Provider: "sandbox", ProviderRef: "r-" + id, Amount: money(due), At: at})
		if rnd.IntN(20) == 0 {
			pay(payment.Failed{ProviderEventID: "f-" + id, Code: "card_declined", At: at})
			ord(order.Cancelled{Reason: "payment failed", At: at})
			return evs
		}
		pay(payment.Authorized{ProviderEventID: "a-" + id, Amount: money(due), At: at})
		pay(payment.Captured{ProviderEventID: "c-" + id, Amount: money(due), At: at})
		ord(order.Paid{PaymentID: domain.PaymentID("pay-" + id), Amount: money(due), At: at})
	case order.PayOnDelivery:
		pay(payment.Initiated{PaymentID: domain.PaymentID("pay-" + id), OrderID: domain.OrderID(id), CustomerID: p.CustomerID, Method: payment.COD,
			Provider: "cod", ProviderRef: "r-" + id, Amount: money(due), At: at})
	default:
		ord(order.Paid{Amount: money(total), At: at})
	}
	ord(order.Confirmed{At: at})
	for v, s := range p.SubOrders {
		if vendors > 1 && rnd.IntN(15) == 0 {
			ord(order.SubOrderCancelled{SubOrderID: s.ID, Reason: "out of stock", At: at})
			continue
		}
		sh := domain.ShipmentID(fmt.Sprintf("sh-%s-%d", id, v))
		ss := "shipment-" + string(sh)
		ord(order.SubOrderFulfilled{SubOrderID: s.ID, At: at})
		evs = append(evs, streamEvent{ss, shipment.Created{ShipmentID: sh, OrderID: domain.OrderID(id), SubOrderID: s.ID, VendorID: s.VendorID,
			Carrier: shipment.Aramex, TrackingNumber: "T" + string(sh), LabelKey: "l", At: at}})
		ord(order.SubOrderShipped{SubOrderID: s.ID, ShipmentID: sh, At: at})
		evs = append(evs, streamEvent{ss, shipment.StatusChanged{CarrierEventID: "e1-" + string(sh), Status: shipment.InTransit, CarrierStatus: "SHP",
			Location: "Dubai", OccurredAt: at.Add(time.Hour), At: at}})
		evs = append(evs, streamEvent{ss, shipment.StatusChanged{CarrierEventID: "e2-" + string(sh), Status: shipment.Delivered, CarrierStatus: "DLV",
			OccurredAt: at.Add(2 * time.Hour), At: at}})
		ord(order.SubOrderDelivered{SubOrderID: s.ID, At: at})
	}
	if method == order.PayOnDelivery {
		pay(payment.Captured{ProviderEventID: "cod-" + id, Amount: money(due), At: at})
		ord(order.Paid{PaymentID: domain.PaymentID("pay-" + id), Amount: money(due), At: at})
	}
	ord(order.Delivered{At: at})
	if method == order.PayByCard && rnd.IntN(10) == 0 {
		pay(payment.Refunded{RefundID: "rf-" + id, Amount: money(due / 2), Reason: "return", At: at})
	}
	ord(order.Completed{At: at})
	return evs
}

// TestBatchSizes: the projector writes the same rows whether a batch holds
// one event (every row read back from the database), 500 or 2,048 (most
// rows created, changed many times and rolled up in memory before one
// plain insert; events decoded in parallel), and after a rebuild in batches
// of 1,500 (orders cut across batches upserted, the rest inserted), on a
// history of interleaved checkouts with every kind of event.
func TestBatchSizes(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		st := memory.New(memory.Options{})
		t.Cleanup(func() { _ = st.Close() })
		market(t, st, 2500, 1)
		reg := registry()
		var dumps []string
		var first *projections.Runner
		for _, size := range []int{1, 13, 500, 2048} {
			d := viewtest.Fresh(t, db)
			r, err := projections.New(context.Background(), projections.Options{DB: d.W, Dialect: d.Dialect, Store: st, BatchSize: size,
				RebuildBatchSize: 1500, Backoff: time.Millisecond, MaxBackoff: time.Millisecond}, orders.New(reg))
			if err != nil {
				t.Fatal(err)
			}
			viewtest.CatchUp(t, r, st)
			dumps = append(dumps, dump(t, d))
			if first == nil {
				first, db = r, d
			}
		}
		for _, want := range []string{"|failed|", "|pending|", "|partially shipped|", "|partially delivered|", "out of stock"} {
			if !strings.Contains(dumps[0], want) {
				t.Fatalf("the history never reaches %s", want)
			}
		}
		viewtest.Same(t, "batches of 13 against 1", dumps[1], dumps[0])
		viewtest.Same(t, "batches of 500 against 1", dumps[2], dumps[0])
		viewtest.Same(t, "batches of 2048 against 1", dumps[3], dumps[0])
		if err := first.Rebuild(context.Background(), orders.Name, nil); err != nil {
			t.Fatal(err)
		}
		viewtest.Same(t, "rebuilt in batches of 1500 against 1", dump(t, db), dumps[0])
	})
}
