package history_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/history"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
)

// moment is the order as the script saw it right after a step.
type moment struct {
	at     time.Time
	pos    eventstore.Position
	fields map[string]any
	events int
}

// script drives one order through checkout, payment, shipment and delivery,
// a step every hour, recording after each step the state its decision left.
func script(t *testing.T) (*history.Reader, string, []moment) {
	t.Helper()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	now := t0
	st := memory.New(memory.Options{Now: func() time.Time { return now }})
	t.Cleanup(func() { _ = st.Close() })
	reg := commands.NewRegistry()
	x := commands.NewExecutor(st, reg, commands.Options{})
	const id = domain.OrderID("o-audit-1")
	stream, err := commands.OrderStream(id)
	if err != nil {
		t.Fatal(err)
	}
	aed := func(n int64) domain.Money {
		m, err := domain.New(n, domain.AED)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	var sub domain.SubOrderID
	steps := []func(o *order.Order, at time.Time) error{
		func(o *order.Order, at time.Time) error { // checkout
			return o.Place(order.Place{OrderID: id, CustomerID: "c-1", Country: domain.UAE, PaymentMethod: order.PayOnDelivery,
				Lines:           []order.Line{{SKU: "sku-oud", ProductID: "p-oud", VendorID: "v-1", Quantity: 2, UnitPrice: aed(25000)}},
				CommissionRates: map[domain.VendorID]domain.BasisPoints{"v-1": 1000}, ReturnWindowDays: 14}, at)
		},
		func(o *order.Order, at time.Time) error { // payment
			return o.MarkPaid(order.MarkPaid{PaymentID: "pay-1", Amount: o.Totals().Due}, at)
		},
		func(o *order.Order, at time.Time) error { return o.Confirm(order.Confirm{}, at) },
		func(o *order.Order, at time.Time) error { // shipment
			sub = o.SubOrders()[0].ID
			return errors.Join(o.FulfilSubOrder(order.FulfilSubOrder{SubOrderID: sub}, at),
				o.ShipSubOrder(order.ShipSubOrder{SubOrderID: sub, ShipmentID: "s-1"}, at))
		},
		func(o *order.Order, at time.Time) error { // delivery
			return o.DeliverSubOrder(order.DeliverSubOrder{SubOrderID: sub}, at)
		},
	}
	var moments []moment
	stored := 0
	for i, step := range steps {
		now = t0.Add(time.Duration(i) * time.Hour)
		var decided *order.Order
		res, err := commands.Execute(ctx, x, commands.Meta{CommandID: "cmd-" + string(rune('a'+i))}, commands.Step[*order.Order]{
			Stream: stream, New: func() *order.Order { return order.New(id) },
			Decide: func(o *order.Order) error { decided = o; return step(o, now) },
		})
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		stored += res.Events
		fields, err := history.Snapshot(decided)
		if err != nil {
			t.Fatal(err)
		}
		// Version counts the events loaded from; after the append the
		// aggregate stands on every event stored so far.
		fields["Version"] = json.Number(strconv.Itoa(stored))
		moments = append(moments, moment{at: now, pos: res.Position, fields: fields, events: stored})
	}
	return history.New(st, reg), stream, moments
}

func TestAsOfEqualsTheStateRecordedAtEachMoment(t *testing.T) {
	r, stream, moments := script(t)
	ctx := context.Background()
	for i, m := range moments {
		for _, cut := range []history.Cut{
			{At: m.at}, {At: m.at.Add(59 * time.Minute)}, // any time before the next step
			{Position: m.pos},
		} {
			got, err := r.At(ctx, stream, cut)
			if err != nil {
				t.Fatal(err)
			}
			if got.Events != m.events || got.Kind != "order" {
				t.Fatalf("step %d at %s: %d events of a %q, want %d of an order", i, cut, got.Events, got.Kind, m.events)
			}
			if diff := history.Compare(m.fields, got.Fields); len(diff) > 0 {
				t.Errorf("step %d at %s: as-of state differs from the recorded one: %+v", i, cut, diff)
			}
		}
	}
	// Before the first event the order does not exist yet.
	before, err := r.At(ctx, stream, history.Cut{At: moments[0].at.Add(-time.Second)})
	if err != nil || before.Events != 0 || before.Fields["Status"] == moments[0].fields["Status"] {
		t.Fatalf("before checkout: %+v, %v; want no events and another status", before, err)
	}
}

func TestDiffNamesTheChangedFieldsAndTheEventsBetween(t *testing.T) {
	r, stream, moments := script(t)
	d, err := r.Between(context.Background(), stream, history.Cut{At: moments[0].at}, history.Cut{At: moments[4].at})
	if err != nil {
		t.Fatal(err)
	}
	changed := map[string]history.Change{}
	for _, c := range d.Changes {
		changed[c.Field] = c
	}
	for _, f := range []string{"Status", "IsPaid", "DeliveredAt", "SubStatus", "Version"} {
		if _, ok := changed[f]; !ok {
			t.Errorf("%s not among the changes %+v", f, d.Changes)
		}
	}
	for _, f := range []string{"Customer", "Totals", "Lines"} {
		if c, ok := changed[f]; ok {
			t.Errorf("%s reported changed but checkout fixed it: %+v", f, c)
		}
	}
	if c := changed["Status"]; c.From != moments[0].fields["Status"] || c.To != moments[4].fields["Status"] {
		t.Errorf("status change %+v, want %v → %v", c, moments[0].fields["Status"], moments[4].fields["Status"])
	}
	if want := moments[4].events - moments[0].events; len(d.Events) != want {
		t.Fatalf("%d events between, want %d", len(d.Events), want)
	}
	if d.Events[0].Position <= moments[0].pos || d.Events[len(d.Events)-1].Position != moments[4].pos {
		t.Errorf("events between run %d..%d, want after %d up to %d", d.Events[0].Position, d.Events[len(d.Events)-1].Position, moments[0].pos, moments[4].pos)
	}
}

func TestUnknownStreamIsRefused(t *testing.T) {
	st := memory.New(memory.Options{})
	defer st.Close()
	r := history.New(st, commands.NewRegistry())
	for _, s := range []string{"cart-1", "order-", "inventory-sku"} {
		if _, err := r.At(context.Background(), s, history.Head); !errors.Is(err, history.ErrUnknownStream) {
			t.Errorf("%q: %v, want ErrUnknownStream", s, err)
		}
	}
}

func TestSnapshotHidesThePasswordHash(t *testing.T) {
	f, err := history.Snapshot(user.New("u-1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f["PasswordHash"]; ok {
		t.Fatal("a state shows the password hash")
	}
	if _, ok := f["Email"]; !ok {
		t.Fatalf("fields %v lack Email", f)
	}
}

func TestEveryKindResolvesFromItsStreamName(t *testing.T) {
	st := memory.New(memory.Options{})
	defer st.Close()
	r := history.New(st, commands.NewRegistry())
	claim := "user_email-" + strings.Repeat("ab", 32)
	for stream, kind := range map[string]string{
		"order-o-1": "order", "wallet-w-1": "wallet", "payment-p-1": "payment", "shipment-s-1": "shipment",
		"product-p-1": "product", "vendor-v-1": "vendor", "return-r-1": "return", "review-r-1": "review",
		"affiliate-a-1": "affiliate", "user-u-1": "user", "user_session-s-1": "session", claim: "email claim",
		"inventory-sku-1@dxb-1": "inventory",
	} {
		s, err := r.At(context.Background(), stream, history.Head)
		if err != nil || s.Kind != kind || s.Events != 0 || len(s.Fields) == 0 {
			t.Errorf("%s: kind %q, %d events, fields %v, %v; want an empty %s", stream, s.Kind, s.Events, s.Fields, err, kind)
		}
	}
}
