package writeapi

import (
	"context"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	ordercmd "github.com/souq-market/souq/commands/order"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/internal/auth"
)

// ok checks a command's answer against the store: the status, the event
// type at the stream's end, X-Souq-Position equal to the store's head, and
// metadata carrying the actor and the command ID of the answer.
func (e *env) ok(rec *httptest.ResponseRecorder, status int, stream, eventType string, actor auth.Actor) Answer {
	e.t.Helper()
	if rec.Code != status {
		e.t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
	a := answer(e.t, rec)
	head := e.head()
	if got := rec.Header().Get("X-Souq-Position"); got != strconv.FormatUint(uint64(head), 10) || a.Position != head {
		e.t.Fatalf("X-Souq-Position %s, body %d, store head %d", got, a.Position, head)
	}
	last := e.last(stream)
	if a.Stream != stream || last.Type != eventType || last.Position != head || a.Revision != last.StreamRevision {
		e.t.Fatalf("answer %+v, last event of %s: %s at %d rev %d", a, stream, last.Type, last.Position, last.StreamRevision)
	}
	md := last.Metadata
	if md.Actor.UserID != actor.UserID || md.Actor.Role != string(actor.Role) || md.CommandID != a.CommandID || a.CommandID == "" {
		e.t.Fatalf("metadata %+v, want actor %+v and command %s", md, actor, a.CommandID)
	}
	return a
}

func TestEveryRouteHappyPath(t *testing.T) {
	e := newEnv(t)
	v1 := auth.Actor{UserID: "v-1", Role: auth.Vendor}
	v2 := auth.Actor{UserID: "v-2", Role: auth.Vendor}
	c1 := auth.Actor{UserID: "c-1", Role: auth.Customer}
	admin := auth.Actor{UserID: "a-1", Role: auth.Admin}
	tv1, tv2, tc1, tadmin := e.token(auth.Vendor, "v-1"), e.token(auth.Vendor, "v-2"), e.token(auth.Customer, "c-1"), e.token(auth.Admin, "a-1")
	oud, musk := "inventory-oud-50@dxb", "inventory-musk-30@dxb"

	e.ok(e.post("/v1/inventory/oud-50/receipts", tv1, `{"location":"dxb","quantity":10}`), 200, oud, "inventory.received", v1)
	e.ok(e.post("/v1/inventory/musk-30/receipts", tv2, `{"location":"dxb","quantity":5}`), 200, musk, "inventory.received", v2)
	e.ok(e.post("/v1/inventory/oud-50/adjustments", tv1, `{"location":"dxb","delta":-1,"reason":"damaged","note":"cap broke"}`), 200, oud, "inventory.adjusted", v1)
	e.ok(e.post("/v1/inventory/oud-50/reservations", tv1, `{"location":"dxb","reservation_id":"r-1","order_id":"o-9","quantity":2,"expires_at":"2999-01-01T00:00:00Z"}`), 201, oud, "inventory.reserved", v1)
	e.ok(e.post("/v1/inventory/oud-50/reservations/r-1/commit", tv1, `{"location":"dxb"}`), 200, oud, "inventory.reservation_committed", v1)
	e.ok(e.post("/v1/inventory/oud-50/reservations", tadmin, `{"location":"dxb","reservation_id":"r-2","order_id":"o-9","quantity":1,"expires_at":"2999-01-01T00:00:00Z"}`), 201, oud, "inventory.reserved", admin)
	e.ok(e.post("/v1/inventory/oud-50/reservations/r-2/release", tv1, `{"location":"dxb","reason":"payment failed"}`), 200, oud, "inventory.reservation_released", v1)

	before := e.head()
	q := e.post("/v1/orders/quote", tc1, `{"order_id":"o-1","country":"AE","payment_method":"card","lines":[{"sku":"oud-50","quantity":1},{"sku":"musk-30","quantity":2}]}`)
	if q.Code != 200 || e.head() != before {
		t.Fatalf("quote: %d %s, head %d → %d", q.Code, q.Body, before, e.head())
	}
	cart := `{"order_id":"o-1","country":"AE","payment_method":"cod","lines":[{"sku":"oud-50","quantity":1},{"sku":"musk-30","quantity":2}]}`
	e.ok(e.post("/v1/orders", tc1, cart), 201, "order-o-1", order.TypePlaced, c1)
	e.address("c-1", "a-riyadh", user.Address{Recipient: "C One", Phone: "+966 50 123 4567", Line1: "King Fahd Road 1", City: "Riyadh", Country: domain.SaudiArabia})
	e.ok(e.post("/v1/orders", tc1, `{"order_id":"o-2","country":"SA","payment_method":"cod","address_id":"a-riyadh","lines":[{"sku":"oud-50","quantity":1}]}`), 201, "order-o-2", order.TypePlaced, c1)

	// Confirming is the checkout process manager's (no route): done here.
	if _, err := (ordercmd.Confirm{Deps: ordercmd.Deps{Exec: e.exec, Now: time.Now}}).Handle(context.Background(),
		ordercmd.For[order.Confirm]{OrderID: "o-1"}, commands.Meta{}); err != nil {
		t.Fatal(err)
	}
	subs := e.subOrders("o-1")
	e.ok(e.post("/v1/orders/o-1/suborders/"+subs["v-1"]+"/fulfil", tv1, `{}`), 200, "order-o-1", order.TypeSubOrderFulfilled, v1)
	e.ok(e.post("/v1/shipments", tv1, `{"shipment_id":"s-1","order_id":"o-1","sub_order_id":"`+subs["v-1"]+`","carrier":"aramex","tracking_number":"AR123","label_key":"labels/s-1.pdf"}`), 201, "shipment-s-1", "shipment.created", v1)
	e.ok(e.post("/v1/orders/o-1/suborders/"+subs["v-2"]+"/cancel", tv2, `{"reason":"out of stock"}`), 200, "order-o-1", order.TypeSubOrderCancelled, v2)
	e.ok(e.post("/v1/orders/o-2/cancel", tc1, `{"reason":"changed my mind"}`), 200, "order-o-2", order.TypeCancelled, c1)

	e.ok(e.post("/v1/wallets", tc1, `{"wallet_id":"w-1","currency":"AED"}`), 201, "wallet-w-1", "wallet.opened", c1)
	e.ok(e.post("/v1/wallets/w-1/credits", tadmin, `{"reference":"goodwill-1","amount":{"amount":5000,"currency":"AED"}}`), 200, "wallet-w-1", "wallet.credited", admin)
	e.ok(e.post("/v1/wallets/w-1/holds", tc1, `{"hold_id":"h-1","order_id":"o-1","amount":{"amount":1000,"currency":"AED"}}`), 201, "wallet-w-1", "wallet.hold_placed", c1)
}

// subOrders maps vendor → sub-order ID of an order.
func (e *env) subOrders(id string) map[string]string {
	e.t.Helper()
	stream, _ := commands.OrderStream(domain.OrderID(id))
	o, err := commands.Decide(context.Background(), e.exec, commands.Step[*order.Order]{Stream: stream,
		New: func() *order.Order { return order.New(domain.OrderID(id)) }, Decide: func(*order.Order) error { return nil }})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range o.SubOrders() {
		out[string(s.VendorID)] = string(s.ID)
	}
	return out
}
