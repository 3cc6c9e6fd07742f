package outbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/integration"
	"github.com/souq-market/souq/projections/outbox"
	"github.com/souq-market/souq/projections/viewtest"
)

var update = flag.Bool("update", false, "rewrite the golden files of the published payloads")

func registry() *eventstore.Registry {
	return viewtest.Registry(order.Events(), payment.Events(), inventory.Events(), user.Events(), shipment.Events(), wallet.Events())
}

func aed(t testing.TB, minor int64) domain.Money {
	t.Helper()
	m, err := domain.New(minor, domain.AED)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sample is one domain event of each kind that publishes, with the golden
// file its payload must equal byte for byte.
type sample struct {
	golden string // integration/testdata/<golden>.json
	stream string
	event  domain.Event
}

func samples(t testing.TB) []sample {
	at := time.Date(2025, 3, 1, 10, 30, 0, 0, time.UTC)
	return []sample{
		{"order.created.v1", "order-o1", order.Placed{
			OrderID: "o1", CustomerID: "c1", Country: domain.Country("AE"), PaymentMethod: order.PayByCard,
			ReturnWindowDays: 14,
			Lines: []order.PricedLine{{SKU: "oud-50", ProductID: "p1", VendorID: "v1", Quantity: 2,
				UnitPrice: aed(t, 25000), Total: aed(t, 50000), Discount: aed(t, 0)}},
			SubOrders: []order.SubOrder{{ID: "o1-v1", VendorID: "v1", Lines: []domain.SKU{"oud-50"},
				Subtotal: aed(t, 50000), Discount: aed(t, 0), Shipping: aed(t, 1500), Total: aed(t, 51500),
				VAT: aed(t, 2452), CommissionRate: 1000, Commission: aed(t, 5000)}},
			Totals: order.Totals{Subtotal: aed(t, 50000), Discount: aed(t, 0), Shipping: aed(t, 1500), Total: aed(t, 51500),
				VAT: aed(t, 2452), Cashback: aed(t, 500), Wallet: aed(t, 0), Due: aed(t, 51500)},
			At: at,
		}},
		{"order.updated.paid.v1", "order-o1", order.Paid{PaymentID: "pay1", Amount: aed(t, 51500), At: at}},
		{"order.updated.sub_order_shipped.v1", "order-o1", order.SubOrderShipped{SubOrderID: "o1-v1", ShipmentID: "s1", At: at}},
		{"order.updated.cancelled.v1", "order-o1", order.Cancelled{Reason: "customer asked", At: at}},
		{"payment.completed.v1", "payment-pay1", payment.Captured{ProviderEventID: "evt_1", Amount: aed(t, 51500), At: at}},
		{"inventory.updated.reserved.v1", "inventory-oud-50@dxb", inventory.Reserved{SKU: "oud-50", Location: "dxb",
			ReservationID: "r1", OrderID: "o1", Quantity: 2, ExpiresAt: at.Add(15 * time.Minute), At: at}},
		{"inventory.updated.reservation_committed.v1", "inventory-oud-50@dxb", inventory.ReservationCommitted{SKU: "oud-50", Location: "dxb",
			ReservationID: "r1", Quantity: 2, At: at}},
		{"inventory.updated.adjusted.v1", "inventory-oud-50@dxb", inventory.Adjusted{SKU: "oud-50", Location: "dxb",
			Delta: -1, Reason: inventory.ReasonDamaged, Note: "bottle cracked", At: at}},
		{"user.registered.v1", "user-u1", user.Registered{UserID: "u1", Email: "layla@example.ae", PasswordHash: "$2a$10$secret",
			Role: user.Customer, Profile: user.Profile{Name: "Layla", Phone: "+971500000000", Locale: "ar"}, At: at}},
		{"user.erased.v1", "user-u1", user.Forgotten{Reason: "Layla asked by email from layla@example.ae", By: "admin1", At: at.Add(time.Hour)}},
		{"shipment.created.v1", "shipment-s1", shipment.Created{ShipmentID: "s1", OrderID: "o1", SubOrderID: "o1-v1", VendorID: "v1",
			Carrier: shipment.Aramex, TrackingNumber: "AX123", LabelKey: "labels/s1.pdf", CODAmount: aed(t, 51500), At: at}},
		{"delivery.status.v1", "shipment-s1", shipment.StatusChanged{CarrierEventID: "ax-9", Status: shipment.Delivered,
			CarrierStatus: "SH005 Delivered", Location: "Dubai", Collected: aed(t, 51500), OccurredAt: at.Add(time.Hour), At: at.Add(2 * time.Hour)}},
	}
}

// history appends the samples after the events their streams open with.
func history(t *testing.T) (*viewtest.History, map[string]eventstore.RecordedEvent) {
	reg := registry()
	h := viewtest.NewHistory(t, reg)
	h.Add("payment-pay1", payment.Initiated{PaymentID: "pay1", OrderID: "o1", CustomerID: "c1", Method: payment.Card,
		Provider: "stripe", ProviderRef: "pi_1", Amount: aed(t, 51500), At: h.At()})
	h.Add("wallet-w1", wallet.Opened{}) // an event that publishes nothing
	byGolden := map[string]eventstore.RecordedEvent{}
	for _, s := range samples(t) {
		pos := h.Add(s.stream, s.event)
		evs, err := h.Store.ReadAll(context.Background(), pos-1, 1)
		if err != nil {
			t.Fatal(err)
		}
		byGolden[s.golden] = evs[0]
	}
	return h, byGolden
}

// TestPublishedPayloads pins every published payload to its golden file:
// a change to a domain event that would change what other services read
// fails here, and must become a new schema version instead.
func TestPublishedPayloads(t *testing.T) {
	h, evs := history(t)
	m := outbox.NewMapper(registry(), h.Store)
	topics := map[string]bool{}
	for _, s := range samples(t) {
		e, ok, err := m.Map(context.Background(), evs[s.golden])
		if err != nil || !ok {
			t.Fatalf("%s: mapped %v, %v", s.golden, ok, err)
		}
		topics[e.Type] = true
		if e.ID != evs[s.golden].ID || e.Position != uint64(evs[s.golden].Position) || e.SchemaVersion != integration.Versions()[e.Type] {
			t.Errorf("%s: envelope %+v does not carry the event's ID, position and the topic's version", s.golden, e)
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, e.Payload, "", "  "); err != nil {
			t.Fatal(err)
		}
		pretty.WriteByte('\n')
		path := filepath.Join("..", "..", "integration", "testdata", s.golden+".json")
		if *update {
			if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run with -update to create it)", s.golden, err)
		}
		if !bytes.Equal(pretty.Bytes(), want) {
			t.Errorf("%s: the published payload changed:\n got %s\nwant %s", s.golden, pretty.Bytes(), want)
		}
	}
	for _, topic := range integration.Topics() {
		if !topics[topic] {
			t.Errorf("no golden sample publishes %s", topic)
		}
	}
}

func TestMapKeysAndSkips(t *testing.T) {
	h, evs := history(t)
	m := outbox.NewMapper(registry(), h.Store)
	all := viewtest.Events(t, h.Store)
	var published int
	for _, ev := range all {
		e, ok, err := m.Map(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		switch ev.Type {
		case payment.TypeInitiated, wallet.TypeOpened:
			if ok {
				t.Errorf("%s published %s; it should publish nothing", ev.Type, e.Type)
			}
			continue
		}
		if !ok {
			t.Errorf("%s published nothing", ev.Type)
			continue
		}
		published++
		want := map[string]string{"order-o1": "o1", "payment-pay1": "pay1", "inventory-oud-50@dxb": "oud-50@dxb",
			"user-u1": "u1", "shipment-s1": "s1"}[ev.StreamID]
		if e.Key != want || e.Revision != ev.StreamRevision {
			t.Errorf("%s on %s: key %q revision %d, want %q %d", ev.Type, ev.StreamID, e.Key, e.Revision, want, ev.StreamRevision)
		}
	}
	if published != len(evs) {
		t.Errorf("published %d events, want %d", published, len(evs))
	}
	if bytes.Contains(mustMap(t, m, evs["user.registered.v1"]).Payload, []byte("secret")) {
		t.Error("user.registered publishes the password hash")
	}
	// user.erased tells other services whom to erase and nothing about them:
	// neither the staff's reason (it quotes the customer) nor who forgot.
	for _, leak := range []string{"layla", "Layla", "admin1", "reason"} {
		if p := mustMap(t, m, evs["user.erased.v1"]).Payload; bytes.Contains(p, []byte(leak)) {
			t.Errorf("user.erased publishes %q: %s", leak, p)
		}
	}
}

func mustMap(t *testing.T, m *outbox.Mapper, ev eventstore.RecordedEvent) integration.Event {
	t.Helper()
	e, _, err := m.Map(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestMapUndecodable(t *testing.T) {
	h := viewtest.NewHistory(t, registry())
	// A capture on a stream that does not open with its initiation.
	h.Add("payment-pay9", payment.Captured{ProviderEventID: "e", Amount: aed(t, 100), At: h.At()})
	ev := viewtest.Events(t, h.Store)[0]
	_, _, err := outbox.NewMapper(registry(), h.Store).Map(context.Background(), ev)
	if !errors.Is(err, outbox.ErrUndecodable) {
		t.Fatalf("err = %v, want ErrUndecodable", err)
	}
	bad := ev
	bad.Data = json.RawMessage(`{"amount":"lots"}`)
	if _, _, err := outbox.NewMapper(registry(), h.Store).Map(context.Background(), bad); !errors.Is(err, outbox.ErrUndecodable) {
		t.Fatalf("err = %v, want ErrUndecodable", err)
	}
}

func TestFeed(t *testing.T) {
	h, evs := history(t)
	f := outbox.Feed{Store: h.Store, Mapper: outbox.NewMapper(registry(), h.Store)}
	var got []integration.Event
	after := uint64(0)
	for range 20 {
		page, next, err := f.Read(context.Background(), after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 3 {
			t.Fatalf("page of %d over the limit 3", len(page))
		}
		got = append(got, page...)
		if next == after {
			break
		}
		after = next
	}
	if len(got) != len(evs) {
		t.Fatalf("feed gave %d events, want %d", len(got), len(evs))
	}
	for i := 1; i < len(got); i++ {
		if got[i].Position <= got[i-1].Position {
			t.Fatalf("feed out of order at %d", i)
		}
	}
	// The position after the last event answers nothing new, and stays put.
	page, next, err := f.Read(context.Background(), after, 3)
	if err != nil || len(page) != 0 || next != after {
		t.Fatalf("at the head: %d events, next %d (after %d), %v", len(page), next, after, err)
	}
	// A small scan budget still moves past unpublished events.
	f.Scan = 1
	page, next, err = f.Read(context.Background(), 1, 10) // position 2 is the wallet event
	if err != nil || len(page) != 0 || next != 2 {
		t.Fatalf("scan of one: %d events, next %d, %v", len(page), next, err)
	}
}
