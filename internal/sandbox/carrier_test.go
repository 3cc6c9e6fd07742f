package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/commandstest"
	invcmd "github.com/souq-market/souq/commands/inventory"
	ordercmd "github.com/souq-market/souq/commands/order"
	"github.com/souq-market/souq/commands/process"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/sandbox"
)

// catalog sells every SKU at 100.00 AED from vendor v-1.
type catalog struct{}

func (catalog) Offer(_ context.Context, sku domain.SKU, _ domain.Country) (ordercmd.Offer, error) {
	price, err := domain.New(100_00, "AED")
	return ordercmd.Offer{ProductID: domain.ProductID("p-" + sku), VendorID: "v-1", UnitPrice: price, CommissionRate: 1000}, err
}

func newBlobs(t *testing.T) blob.Store {
	t.Helper()
	st, err := blob.NewFiles(t.TempDir(), blob.Links{Secret: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A demo order end to end: checkout through the process managers with the
// sandbox gateway, a shipment booked with the sandbox carrier, and the
// carrier's scans delivering the sub-order and the order; the label is a
// stored PDF under the vendor's labels.
func TestSandboxCarrierDeliversAConfirmedOrder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store := memory.New(memory.Options{})
	exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{Retries: 50, Backoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	blobs := newBlobs(t)
	gw := sandbox.New(sandbox.Options{Exec: exec, Delay: time.Millisecond})
	defer gw.Close()
	car := sandbox.NewCarrier(sandbox.CarrierOptions{Exec: exec, Blobs: blobs, Step: 5 * time.Millisecond})
	defer car.Close()
	deps := process.Deps{Exec: exec}
	managers := []process.Manager{process.NewCheckout(process.Checkout{Deps: deps, Gateway: gw}), process.NewFulfilment(deps), car}
	pos := map[string]eventstore.Position{}
	pump := func() {
		t.Helper()
		for _, m := range managers {
			for {
				evs, err := store.ReadAll(ctx, pos[m.Name()], 500)
				if err != nil {
					t.Fatal(err)
				}
				if len(evs) == 0 {
					break
				}
				if err := m.Handle(ctx, evs); err != nil {
					t.Fatalf("%s: %v", m.Name(), err)
				}
				pos[m.Name()] = evs[len(evs)-1].Position
			}
		}
	}
	load := func() *order.Order {
		t.Helper()
		stream, _ := commands.OrderStream("o-1")
		o, err := commands.Load(ctx, exec, stream, func() *order.Order { return order.New("o-1") })
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	until := func(what string, done func() bool) {
		t.Helper()
		for !done() {
			if ctx.Err() != nil {
				t.Fatalf("%s: timed out", what)
			}
			pump()
			time.Sleep(2 * time.Millisecond)
		}
	}

	if _, err := (invcmd.Receive{Deps: invcmd.Deps{Exec: exec, Now: time.Now}}).Handle(ctx,
		inventory.Receive{SKU: "oud-50", Location: process.DefaultLocation, Quantity: 3}, commands.Meta{}); err != nil {
		t.Fatal(err)
	}
	cart := ordercmd.Cart{OrderID: "o-1", CustomerID: "c-1", Country: "AE", PaymentMethod: order.PayByCard,
		Lines: []ordercmd.CartLine{{SKU: "oud-50", Quantity: 1}}}
	commandstest.Customer(t, exec, cart.CustomerID, domain.UAE) // an address book to ship to
	if _, err := (ordercmd.Checkout{Deps: ordercmd.Deps{Exec: exec, Now: time.Now}, Catalog: catalog{}}).Handle(ctx, cart,
		commands.Meta{Actor: eventstore.Actor{UserID: "c-1", Role: "customer"}}); err != nil {
		t.Fatal(err)
	}
	until("order confirmed", func() bool { return load().Status() == order.StatusConfirmed })

	sub := load().SubOrders()[0]
	book := shipcmd.Book{Deps: shipcmd.Deps{Exec: exec, Now: time.Now}, Carrier: car}
	create := shipcmd.For[shipment.Create]{ShipmentID: "s-1", Cmd: shipment.Create{OrderID: "o-1", SubOrderID: sub.ID, VendorID: sub.VendorID, Carrier: shipment.Aramex}}
	if _, err := book.Handle(ctx, create, commands.Meta{CommandID: "book-s-1"}); err != nil {
		t.Fatal(err)
	}
	// A retried booking books the same parcel: nothing new is recorded.
	if res, err := book.Handle(ctx, create, commands.Meta{CommandID: "book-s-1"}); err != nil || !res.Replayed {
		t.Fatalf("retried booking: %+v, %v", res, err)
	}
	until("order delivered", func() bool { return load().Status() == order.StatusDelivered })

	if st, _ := load().SubStatus(sub.ID); st != order.SubDelivered {
		t.Fatalf("sub-order %s, want delivered", st)
	}
	stream, _ := commands.ShipmentStream("s-1")
	evs, err := store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var created shipment.Created
	var statuses []shipment.Status
	for _, r := range evs {
		e, err := decode(r)
		if err != nil {
			t.Fatal(err)
		}
		switch e := e.(type) {
		case shipment.Created:
			created = e
		case shipment.StatusChanged:
			statuses = append(statuses, e.Status)
		}
	}
	want := []shipment.Status{shipment.PreTransit, shipment.InTransit, shipment.OutForDelivery, shipment.Delivered}
	if len(statuses) != len(want) {
		t.Fatalf("scans %v, want %v", statuses, want)
	}
	for i := range want {
		if statuses[i] != want[i] {
			t.Fatalf("scans %v, want %v", statuses, want)
		}
	}
	if created.TrackingNumber != sandbox.TrackingNumber("s-1") || blob.Owner(created.LabelKey) != string(sub.VendorID) {
		t.Fatalf("created %+v", created)
	}
	rc, info, err := blobs.Get(ctx, created.LabelKey)
	if err != nil {
		t.Fatalf("label blob: %v", err)
	}
	defer rc.Close()
	pdf, _ := io.ReadAll(rc)
	if info.ContentType != blob.PDF || !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte(created.TrackingNumber)) {
		t.Fatalf("label %+v: %.40q", info, pdf)
	}

	// Replaying the whole log to the carrier schedules nothing new that
	// records anything: every scan's carrier event ID is already seen.
	before := len(evs)
	if err := car.Handle(ctx, mustReadAll(t, ctx, store)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if again, _ := store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{}); len(again) != before {
		t.Fatalf("replay recorded %d events more", len(again)-before)
	}
}

// Booking the same shipment twice gives the same tracking number and the
// same label key; a parcel booked elsewhere is never moved by the sandbox.
func TestSandboxCarrierBookIsIdempotentAndMovesOnlyItsOwn(t *testing.T) {
	ctx := context.Background()
	store := memory.New(memory.Options{})
	exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{})
	car := sandbox.NewCarrier(sandbox.CarrierOptions{Exec: exec, Blobs: newBlobs(t), Step: time.Millisecond})
	defer car.Close()
	req := shipcmd.BookRequest{ShipmentID: "s-9", OrderID: "o-9", SubOrderID: "o-9-v-2", VendorID: "v-2", Carrier: shipment.DHL}
	a, err := car.Book(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := car.Book(ctx, req)
	if err != nil || a != b {
		t.Fatalf("second booking %+v (%v), first %+v", b, err, a)
	}
	if other, _ := car.Book(ctx, shipcmd.BookRequest{ShipmentID: "s-10", VendorID: "v-2"}); other.TrackingNumber == a.TrackingNumber {
		t.Fatal("two shipments share a tracking number")
	}
	// Recorded with a label bought elsewhere: the sandbox leaves it alone.
	d := shipcmd.Deps{Exec: exec, Now: time.Now}
	if _, err := (shipcmd.Create{Deps: d}).Handle(ctx, shipcmd.For[shipment.Create]{ShipmentID: "s-ext", Cmd: shipment.Create{
		OrderID: "o-9", SubOrderID: "o-9-v-2", VendorID: "v-2", Carrier: shipment.DHL, TrackingNumber: "JD0001", LabelKey: "labels/v-2/x.pdf"}}, commands.Meta{}); err != nil {
		t.Fatal(err)
	}
	if err := car.Handle(ctx, mustReadAll(t, ctx, store)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	stream, _ := commands.ShipmentStream("s-ext")
	if evs, _ := store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{}); len(evs) != 1 {
		t.Fatalf("an outside parcel has %d events, want its creation only", len(evs))
	}
}

// decode reads the shipment events this test looks at.
func decode(r eventstore.RecordedEvent) (domain.Event, error) {
	switch r.Type {
	case shipment.TypeCreated:
		var e shipment.Created
		err := json.Unmarshal(r.Data, &e)
		return e, err
	case shipment.TypeStatusChanged:
		var e shipment.StatusChanged
		err := json.Unmarshal(r.Data, &e)
		return e, err
	}
	return nil, nil
}

func mustReadAll(t *testing.T, ctx context.Context, store eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	evs, err := store.ReadAll(ctx, 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
