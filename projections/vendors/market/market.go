// Package market writes a random but plausible marketplace history of real
// domain events (vendors, products, stock, orders, payments, sub-order
// progress, earnings and payouts), with each command's actor and IDs, for
// the tests of the vendor dashboard, KPI and audit views.
//
// It is for tests only. It may import domain and the eventstore port.
package market

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/domain/vendor"
	"github.com/souq-market/souq/eventstore"
)

// Start is when every generated history begins: 2025-03-01 00:00 UTC.
var Start = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

// M is amount minor units of c; it panics on an unknown currency (a bug in
// the test).
func M(amount int64, c domain.Currency) domain.Money {
	m, err := domain.New(amount, c)
	if err != nil {
		panic(err)
	}
	return m
}

// Cmd is the command an event comes from.
type Cmd struct {
	ID, Correlation, Causation string
	Actor                      eventstore.Actor
}

// Writer appends domain events one at a time, as commands would, with
// their metadata and RecordedAt set to the event's own time.
type Writer struct {
	t  testing.TB
	st eventstore.Store
	n  int
}

// NewWriter appends to st.
func NewWriter(t testing.TB, st eventstore.Store) *Writer { return &Writer{t: t, st: st} }

// Emit appends e to stream, recorded at at, and returns its position.
func (w *Writer) Emit(stream string, e domain.Event, at time.Time, c Cmd) eventstore.Position {
	w.t.Helper()
	data, err := json.Marshal(e)
	if err != nil {
		w.t.Fatal(err)
	}
	w.n++
	if c.ID == "" {
		c.ID = fmt.Sprintf("cmd-%d", w.n)
	}
	if c.Correlation == "" {
		c.Correlation = c.ID
	}
	res, err := w.st.Append(context.Background(), stream, eventstore.Any, []eventstore.EventData{{
		ID:   uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "viewtest/%d", w.n)).String(),
		Type: e.EventType(), SchemaVersion: e.SchemaVersion(), Data: data,
		Metadata: eventstore.Metadata{CommandID: c.ID, CorrelationID: c.Correlation, CausationID: c.Causation,
			Actor: c.Actor, RecordedAt: at},
	}})
	if err != nil {
		w.t.Fatal(err)
	}
	return res.Position
}

// Roles of generated actors.
var (
	System = eventstore.Actor{UserID: "system", Role: "system"}
	Admin  = eventstore.Actor{UserID: "admin-1", Role: "admin"}
)

// History appends a random but plausible marketplace history to st:
// vendors registered and approved, products listed, stock received, orders
// placed in AED and SAR with sub-orders per vendor, payments that fail or
// capture, orders confirmed or cancelled, sub-orders fulfilled, shipped,
// delivered or cancelled, earnings recorded, made payable and paid out.
// The same seed gives the same history.
func History(t testing.TB, st eventstore.Store, seed uint64, orders int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 42))
	w := NewWriter(t, st)
	at := Start
	tick := func() time.Time { at = at.Add(time.Duration(1+rng.IntN(20)) * time.Minute); return at }

	type sku struct {
		sku     domain.SKU
		product domain.ProductID
		vendor  domain.VendorID
		price   int64
	}
	var skus []sku
	const vendors = 4
	for v := range vendors {
		id := domain.VendorID(fmt.Sprintf("v-%d", v))
		va := eventstore.Actor{UserID: string(id), Role: "vendor"}
		cur, country := domain.AED, domain.Country("AE")
		if v%2 == 1 {
			cur, country = domain.SAR, domain.Country("SA")
		}
		w.Emit("vendor-"+string(id), vendor.Registered{VendorID: id, Name: fmt.Sprintf("Vendor %d", v), Country: country, Currency: cur, Email: fmt.Sprintf("v%d@example.com", v), At: tick()}, at, Cmd{Actor: va})
		w.Emit("vendor-"+string(id), vendor.Approved{CommissionRate: 1000, At: tick()}, at, Cmd{Actor: Admin})
		for p := range 3 {
			pid := domain.ProductID(fmt.Sprintf("p-%d-%d", v, p))
			var variants []product.Variant
			for s := range 2 {
				k := domain.SKU(fmt.Sprintf("%s-%d", pid, 50*(s+1)))
				price := int64(10000 + rng.IntN(40000))
				variants = append(variants, product.Variant{SKU: k, SizeML: 50 * (s + 1), Prices: map[domain.Currency]domain.Money{domain.AED: M(price, domain.AED), domain.SAR: M(price, domain.SAR)}})
				skus = append(skus, sku{sku: k, product: pid, vendor: id, price: price})
			}
			w.Emit("product-"+string(pid), product.Listed{ProductID: pid, VendorID: id, Details: product.Details{Name: product.Name{English: string(pid)}}, Variants: variants, At: tick()}, at, Cmd{Actor: va})
		}
	}
	for _, k := range skus {
		w.Emit(stock(k.sku), inventory.Received{SKU: k.sku, Location: "dxb", Quantity: int64(5 + rng.IntN(40)), At: tick()}, at, Cmd{Actor: eventstore.Actor{UserID: string(k.vendor), Role: "vendor"}})
	}

	type sub struct {
		id     domain.SubOrderID
		vendor domain.VendorID
		total  domain.Money
		comm   domain.Money
	}
	for o := range orders {
		oid := domain.OrderID(fmt.Sprintf("o-%d", o))
		cust := eventstore.Actor{UserID: fmt.Sprintf("c-%d", rng.IntN(20)), Role: "customer"}
		cur, country := domain.AED, domain.Country("AE")
		if rng.IntN(3) == 0 {
			cur, country = domain.SAR, domain.Country("SA")
		}
		checkout := Cmd{ID: "checkout-" + string(oid), Actor: cust}
		var lines []order.PricedLine
		bySub := map[domain.VendorID]*order.SubOrder{}
		var subs []*order.SubOrder
		var total int64
		for range 1 + rng.IntN(3) {
			k := skus[rng.IntN(len(skus))]
			q := int64(1 + rng.IntN(2))
			lines = append(lines, order.PricedLine{SKU: k.sku, ProductID: k.product, VendorID: k.vendor, Quantity: q,
				UnitPrice: M(k.price, cur), Total: M(k.price*q, cur), Discount: M(0, cur)})
			s := bySub[k.vendor]
			if s == nil {
				s = &order.SubOrder{ID: domain.SubOrderID(fmt.Sprintf("%s-%s", oid, k.vendor)), VendorID: k.vendor,
					Subtotal: M(0, cur), Discount: M(0, cur), Shipping: M(0, cur), Total: M(0, cur), VAT: M(0, cur), CommissionRate: 1000, Commission: M(0, cur)}
				bySub[k.vendor] = s
				subs = append(subs, s)
			}
			s.Lines = append(s.Lines, k.sku)
			s.Subtotal = M(s.Subtotal.Amount()+k.price*q, cur)
			s.Total = s.Subtotal
			s.Commission = M(s.Total.Amount()/10, cur)
			total += k.price * q
		}
		placed := order.Placed{OrderID: oid, CustomerID: domain.CustomerID(cust.UserID), Country: country, PaymentMethod: order.PayByCard,
			ReturnWindowDays: 14, Lines: lines, Totals: order.Totals{Subtotal: M(total, cur), Discount: M(0, cur), Shipping: M(0, cur),
				Total: M(total, cur), VAT: M(0, cur), Cashback: M(0, cur), Wallet: M(0, cur), Due: M(total, cur)}, At: tick()}
		for _, s := range subs {
			placed.SubOrders = append(placed.SubOrders, *s)
		}
		w.Emit("order-"+string(oid), placed, at, checkout)
		for i, l := range lines {
			w.Emit(stock(l.SKU), inventory.Reserved{SKU: l.SKU, Location: "dxb", ReservationID: inventory.ReservationID(fmt.Sprintf("%s-%d", oid, i)), OrderID: oid, Quantity: l.Quantity, ExpiresAt: at.Add(time.Hour), At: at}, at, checkout)
		}
		if rng.IntN(3) == 0 {
			continue // still open: placed, reserved, not paid
		}
		pay := "payment-pay-" + string(oid)
		w.Emit(pay, payment.Initiated{PaymentID: domain.PaymentID("pay-" + string(oid)), OrderID: oid, CustomerID: domain.CustomerID(cust.UserID), Method: payment.Card, Provider: "sandbox", ProviderRef: "ref", Amount: M(total, cur), At: tick()}, at, Cmd{Actor: cust, Correlation: checkout.ID})
		hook := Cmd{Actor: System, Correlation: checkout.ID}
		if rng.IntN(5) == 0 {
			w.Emit(pay, payment.Failed{Code: "card_declined", At: tick()}, at, hook)
			w.Emit("order-"+string(oid), order.Cancelled{Reason: "payment failed", At: tick()}, at, hook)
			for i, l := range lines {
				w.Emit(stock(l.SKU), inventory.ReservationReleased{SKU: l.SKU, Location: "dxb", ReservationID: inventory.ReservationID(fmt.Sprintf("%s-%d", oid, i)), Quantity: l.Quantity, At: at}, at, hook)
			}
			continue
		}
		w.Emit(pay, payment.Captured{ProviderEventID: "evt-" + string(oid), Amount: M(total, cur), At: tick()}, at, hook)
		w.Emit("order-"+string(oid), order.Paid{PaymentID: domain.PaymentID("pay-" + string(oid)), Amount: M(total, cur), At: at}, at, hook)
		w.Emit("order-"+string(oid), order.Confirmed{At: at}, at, hook)
		for i, l := range lines {
			w.Emit(stock(l.SKU), inventory.ReservationCommitted{SKU: l.SKU, Location: "dxb", ReservationID: inventory.ReservationID(fmt.Sprintf("%s-%d", oid, i)), Quantity: l.Quantity, At: at}, at, hook)
		}
		for _, s := range subs {
			va := Cmd{Actor: eventstore.Actor{UserID: string(s.VendorID), Role: "vendor"}}
			switch rng.IntN(6) {
			case 0:
				w.Emit("order-"+string(oid), order.SubOrderCancelled{SubOrderID: s.ID, Reason: "out of stock", At: tick()}, at, va)
				continue
			case 1:
				continue // confirmed, not yet packed
			}
			w.Emit("order-"+string(oid), order.SubOrderFulfilled{SubOrderID: s.ID, At: tick()}, at, va)
			if rng.IntN(4) == 0 {
				continue
			}
			w.Emit("order-"+string(oid), order.SubOrderShipped{SubOrderID: s.ID, ShipmentID: domain.ShipmentID("sh-" + string(s.ID)), At: tick()}, at, va)
			if rng.IntN(4) == 0 {
				continue
			}
			w.Emit("order-"+string(oid), order.SubOrderDelivered{SubOrderID: s.ID, At: tick()}, at, Cmd{Actor: System})
			net := M(s.Total.Amount()-s.Commission.Amount(), cur)
			vs := "vendor-" + string(s.VendorID)
			w.Emit(vs, vendor.EarningRecorded{SubOrderID: s.ID, OrderID: oid, Gross: s.Total, Commission: s.Commission, Amount: net, PayableAt: at.Add(14 * 24 * time.Hour), At: at}, at, Cmd{Actor: System})
			switch rng.IntN(3) {
			case 0:
				w.Emit(vs, vendor.EarningReversed{SubOrderID: s.ID, Amount: M(net.Amount()/2, cur), Reason: "return", At: tick()}, at, Cmd{Actor: Admin})
			case 1:
				w.Emit(vs, vendor.EarningPayable{SubOrderID: s.ID, Amount: net, At: tick()}, at, Cmd{Actor: System})
				if rng.IntN(2) == 0 {
					w.Emit(vs, vendor.PaidOut{PayoutID: "po-" + string(s.ID), Amount: net, Account: vendor.PayoutAccount{HolderName: "x", BankName: "y", IBAN: "AE070331234567890123456"}, At: tick()}, at, Cmd{Actor: Admin})
				}
			}
		}
	}
}

func stock(k domain.SKU) string { return "inventory-" + string(k) + "@dxb" }
