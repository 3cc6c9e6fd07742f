package livefeed_test

import (
	"context"
	"encoding/json"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/internal/live"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/livefeed"
	"github.com/souq-market/souq/projections/viewtest"
)

// TestLiveFeed: the order's channel gets every order event, each vendor's
// channel the order-wide ones and its own sub-order's; a projector that
// forgot the order reads its vendors from the store; old events are not
// published.
func TestLiveFeed(t *testing.T) {
	ctx := context.Background()
	reg := viewtest.Registry(order.Events())
	h := viewtest.NewHistory(t, reg)
	at := h.At()
	z, _ := domain.New(0, domain.AED)
	sub := func(id, vendor string) order.SubOrder {
		return order.SubOrder{ID: domain.SubOrderID(id), VendorID: domain.VendorID(vendor), Subtotal: z, Discount: z, Shipping: z, Total: z, VAT: z, Commission: z}
	}
	h.Add("order-o-1", order.Placed{OrderID: "o-1", CustomerID: "c-1", Country: "AE",
		SubOrders: []order.SubOrder{sub("o-1:1", "v-1"), sub("o-1:2", "v-2")},
		Totals:    order.Totals{Subtotal: z, Discount: z, Shipping: z, Total: z, VAT: z, Cashback: z, Wallet: z, Due: z}, At: at})
	h.Add("order-o-1", order.Paid{PaymentID: "pay-1", Amount: z, At: at})
	h.Add("order-o-1", order.SubOrderShipped{SubOrderID: "o-1:2", ShipmentID: "s-1", At: at})

	fan := live.NewMemory(live.Options{}, nil)
	t.Cleanup(func() { _ = fan.Close() })
	subscribe := func(ch string) *live.Subscription {
		s, err := fan.Subscribe(ctx, ch, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	o1, v1, v2 := subscribe("order:o-1"), subscribe("vendor:v-1"), subscribe("vendor:v-2")
	now := func() time.Time { return at.Add(time.Minute) }
	p, err := livefeed.New(livefeed.Options{Registry: reg, Fanout: fan, Store: h.Store, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	db := viewtest.SQLite(t)
	viewtest.Project(t, db, h.Store, p)
	if got := types(t, o1, 3); got != "order.placed,order.paid,order.sub_order_shipped" {
		t.Fatalf("order channel: %s", got)
	}
	if got := types(t, v1, 2); got != "order.placed,order.paid" {
		t.Fatalf("vendor v-1: %s", got)
	}
	if got := types(t, v2, 3); got != "order.placed,order.paid,order.sub_order_shipped" {
		t.Fatalf("vendor v-2: %s", got)
	}

	// A new projector (a restart) meets a sub-order event of an order it
	// never saw placed: the store tells it the vendor.
	h.Add("order-o-1", order.SubOrderDelivered{SubOrderID: "o-1:1", At: at})
	p2, _ := livefeed.New(livefeed.Options{Registry: reg, Fanout: fan, Store: h.Store, Now: now})
	evs := viewtest.Events(t, h.Store)
	if err := p2.Handle(ctx, evs[len(evs)-1:]); err != nil {
		t.Fatal(err)
	}
	m := <-v1.C
	var u livefeed.Update
	if err := json.Unmarshal(m.Data, &u); err != nil || m.Type != order.TypeSubOrderDelivered || u.SubOrderID != "o-1:1" || u.OrderID != "o-1" || u.Revision != 3 || m.ID != uint64(evs[3].Position) {
		t.Fatalf("v-1 got %+v %+v %v", m, u, err)
	}
	select {
	case m := <-v2.C:
		t.Fatalf("v-2 got v-1's sub-order: %+v", m)
	default:
	}
	if got := types(t, o1, 1); got != order.TypeSubOrderDelivered {
		t.Fatalf("order channel: %s", got)
	}

	// Long after: nothing is published (a replay of history).
	late, _ := livefeed.New(livefeed.Options{Registry: reg, Fanout: fan, Store: h.Store, Now: func() time.Time { return at.Add(time.Hour) }})
	if err := late.Handle(ctx, evs); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-o1.C:
		t.Fatalf("an old event was published: %+v", m)
	case <-time.After(50 * time.Millisecond):
	}
}

func types(t *testing.T, s *live.Subscription, n int) string {
	t.Helper()
	out := ""
	for i := range n {
		select {
		case m := <-s.C:
			if i > 0 {
				out += ","
			}
			out += m.Type
		case <-time.After(5 * time.Second):
			t.Fatalf("got %q, then nothing", out)
		}
	}
	return out
}

// down is a fan-out whose Redis cannot be reached (a real refused dial),
// until up.
type down struct {
	live.Fanout
	err error
	up  atomic.Bool
}

func (d *down) Publish(ctx context.Context, msgs ...live.Message) error {
	if !d.up.Load() {
		return d.err
	}
	return d.Fanout.Publish(ctx, msgs...)
}

// TestFanoutDownIsTransient: a fan-out that cannot be reached fails the
// batch as projections.Transient (so the runner waits it out instead of
// parking), and the batch goes through once it is back.
func TestFanoutDownIsTransient(t *testing.T) {
	ctx := context.Background()
	reg := viewtest.Registry(order.Events())
	h := viewtest.NewHistory(t, reg)
	at := h.At()
	z, _ := domain.New(0, domain.AED)
	h.Add("order-o-1", order.Paid{PaymentID: "pay-1", Amount: z, At: at})
	evs, err := h.Store.ReadAll(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	_, dialErr := net.Dial("tcp", "127.0.0.1:1")
	if dialErr == nil {
		t.Skip("something listens on port 1")
	}
	fan := live.NewMemory(live.Options{}, nil)
	t.Cleanup(func() { _ = fan.Close() })
	d := &down{Fanout: fan, err: dialErr}
	p, err := livefeed.New(livefeed.Options{Registry: reg, Fanout: d, Store: h.Store, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Handle(ctx, evs); !projections.IsTransient(err) {
		t.Fatalf("fan-out down: %v, want a transient error", err)
	}
	d.up.Store(true)
	if err := p.Handle(ctx, evs); err != nil {
		t.Fatalf("fan-out back: %v", err)
	}
}
