package writeapi

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/commandstest"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	usercmd "github.com/souq-market/souq/commands/user"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/pii"
)

// placedShipTo decodes the ship-to recorded on an order.
func (e *env) placedShipTo(id string) *order.ShipTo {
	e.t.Helper()
	rec := e.last("order-" + id)
	ev, err := commands.NewRegistry().DecodeRecorded(rec)
	if err != nil {
		e.t.Fatal(err)
	}
	placed, ok := ev.(order.Placed)
	if !ok {
		e.t.Fatalf("order-%s ends with %s", id, rec.Type)
	}
	return placed.ShipTo
}

// POST /v1/orders ships to the caller's default address, or to the entry
// address_id names, and records a copy of it on the order.
func TestCheckoutShipTo(t *testing.T) {
	e := newEnv(t)
	tc1 := e.token(auth.Customer, "c-1")
	office := user.Address{Recipient: "C One", Phone: "+971 4 123 4567", Line1: "Office 3, Bay Square", City: "Dubai", Country: domain.UAE}
	e.address("c-1", "a-office", office)

	if rec := e.post("/v1/orders", tc1, `{"order_id":"o-1","country":"AE","payment_method":"cod","lines":[{"sku":"oud-50","quantity":1}]}`); rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if got := e.placedShipTo("o-1"); got == nil || got.AddressID != string(commandstest.HomeAddress) || got.Line1 != "1 Test Street" {
		t.Fatalf("without address_id the order ships to %+v, not the default", got)
	}
	if rec := e.post("/v1/orders", tc1, `{"order_id":"o-2","country":"AE","payment_method":"cod","address_id":"a-office","lines":[{"sku":"oud-50","quantity":1}]}`); rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := order.ShipTo{AddressID: "a-office", Recipient: office.Recipient, Phone: office.Phone, Line1: office.Line1, City: office.City, Country: office.Country}
	if got := e.placedShipTo("o-2"); got == nil || *got != want {
		t.Fatalf("ships to %+v, want %+v", got, want)
	}
}

// Hostile and impossible address_ids get a 422 naming address_id (with
// the cart's other problems) and write nothing.
func TestCheckoutAddressRefused(t *testing.T) {
	e := newEnv(t)
	e.address("c-2", "a-c2-office", user.Address{Recipient: "C Two", Phone: "+971 4 765 4321", Line1: "Tower 2", City: "Dubai", Country: domain.UAE})
	e.address("c-1", "a-riyadh", user.Address{Recipient: "C One", Phone: "+966 50 123 4567", Line1: "King Fahd Road 1", City: "Riyadh", Country: domain.SaudiArabia})
	body := func(address string) string {
		return `{"order_id":"o-x","country":"AE","payment_method":"cod",` + address + `"lines":[{"sku":"oud-50","quantity":1}]}`
	}
	for _, tc := range []struct {
		name, customer, body string
		code                 int
		fields               []string // the problem+json's fields, in order
	}{
		{"unknown", "c-1", body(`"address_id":"a-nowhere",`), 422, []string{"address_id"}},
		{"another customer's", "c-1", body(`"address_id":"a-c2-office",`), 422, []string{"address_id"}},
		{"in another country than the order's", "c-1", body(`"address_id":"a-riyadh",`), 422, []string{"address_id"}},
		{"path characters", "c-1", body(`"address_id":"../user-c-2/a-c2-office",`), 422, []string{"address_id"}},
		{"white space", "c-1", body(`"address_id":"a home",`), 422, []string{"address_id"}},
		{"control character", "c-1", body(`"address_id":"a-\u0000",`), 422, []string{"address_id"}},
		{"too long", "c-1", body(`"address_id":"` + strings.Repeat("a", 5000) + `",`), 422, []string{"address_id"}},
		{"a number", "c-1", body(`"address_id":7,`), 422, []string{"address_id"}},
		{"an object", "c-1", body(`"address_id":{"id":"a-home"},`), 422, []string{"address_id"}},
		{"no address book", "c-new", body(``), 422, []string{"address_id"}},
		{"no address book, and an unknown SKU", "c-new",
			`{"order_id":"o-x","country":"AE","payment_method":"cod","lines":[{"sku":"oud-50","quantity":1},{"sku":"nope","quantity":1}]}`, 422, []string{"lines[1].sku", "address_id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.head()
			rec := e.post("/v1/orders", e.token(auth.Customer, tc.customer), tc.body)
			if rec.Code != tc.code {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.code, rec.Body)
			}
			p := problem(t, rec)
			var got []string
			list, _ := p["problems"].([]any)
			for _, x := range list {
				got = append(got, fmt.Sprint(x.(map[string]any)["field"]))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.fields) {
				t.Fatalf("problems on %q, want %q: %s", got, tc.fields, rec.Body)
			}
			if e.head() != before {
				t.Fatal("a refused checkout wrote")
			}
		})
	}
}

// A parcel sent without ship_to goes to the order's ship-to; one sent with
// it goes where the vendor says. An order with no ship-to (placed before
// orders recorded one) or whose customer was forgotten needs ship_to.
func TestShipmentParcelShipsToTheOrder(t *testing.T) {
	from := `"ship_from":{"name":"Oud House","phone":"+971500000001","line1":"Warehouse 4","city":"Dubai","country":"AE"}`
	home := shipcmd.Party{Name: "Customer c-1", Phone: "+971 50 000 0000", Line1: "1 Test Street", City: "Dubai", Country: domain.UAE}

	t.Run("left out: the order's", func(t *testing.T) {
		carrier := &bookings{}
		e := newEnv(t, func(d *Deps) { d.Carrier = carrier })
		body := e.shippable() + `,"carrier":"smsa",` + from + `,"weight_grams":900}`
		e.ok(e.post("/v1/shipments", e.token(auth.Vendor, "v-1"), body), 201, "shipment-s-1", shipment.TypeCreated, auth.Actor{UserID: "v-1", Role: auth.Vendor})
		if len(carrier.asked) != 1 || carrier.asked[0].Parcel.To != home || carrier.asked[0].Parcel.WeightGrams != 900 {
			t.Fatalf("the carrier was asked %+v, want the parcel to %+v", carrier.asked, home)
		}
	})
	t.Run("sent: the vendor's", func(t *testing.T) {
		carrier := &bookings{}
		e := newEnv(t, func(d *Deps) { d.Carrier = carrier })
		body := e.shippable() + `,"carrier":"smsa",` + from + `,"ship_to":{"name":"Hotel desk","phone":"+971500000009","line1":"Lobby","city":"Dubai","country":"AE"},"weight_grams":900}`
		e.ok(e.post("/v1/shipments", e.token(auth.Vendor, "v-1"), body), 201, "shipment-s-1", shipment.TypeCreated, auth.Actor{UserID: "v-1", Role: auth.Vendor})
		if len(carrier.asked) != 1 || carrier.asked[0].Parcel.To.Name != "Hotel desk" {
			t.Fatalf("the carrier was asked %+v", carrier.asked)
		}
	})
	t.Run("an order placed before orders recorded a ship-to", func(t *testing.T) {
		carrier := &bookings{}
		e := newEnv(t, func(d *Deps) { d.Carrier = carrier })
		// Placed through the aggregate with no ship-to: as a version 1
		// order.placed reads.
		stream, _ := commands.OrderStream("o-1")
		if _, err := commands.Execute(context.Background(), e.exec, commands.Meta{}, commands.Step[*order.Order]{Stream: stream,
			New: func() *order.Order { return order.New("o-1") }, Decide: func(o *order.Order) error {
				price, _ := domain.New(25000, domain.AED)
				if err := o.Place(order.Place{OrderID: "o-1", CustomerID: "c-1", Country: domain.UAE, PaymentMethod: order.PayOnDelivery,
					Lines:           []order.Line{{SKU: "oud-50", ProductID: "p-1", VendorID: "v-1", Quantity: 1, UnitPrice: price}},
					CommissionRates: map[domain.VendorID]domain.BasisPoints{"v-1": 1500}}, time.Now()); err != nil {
					return err
				}
				return o.Confirm(order.Confirm{}, time.Now())
			}}); err != nil {
			t.Fatal(err)
		}
		body := `{"shipment_id":"s-1","order_id":"o-1","sub_order_id":"` + e.subOrders("o-1")["v-1"] + `","carrier":"smsa",` + from + `,"weight_grams":900}`
		refusedShipTo(t, e, carrier, body)
	})
	t.Run("a forgotten customer's order", func(t *testing.T) {
		carrier := &bookings{}
		inner := memory.New(memory.Options{})
		t.Cleanup(func() { _ = inner.Close() })
		keys := pii.NewMemory()
		e := newEnvOn(t, pii.Wrap(inner, keys, usercmd.PersonalData()), func(d *Deps) { d.Carrier = carrier })
		start := e.shippable()
		if err := keys.Forget(context.Background(), "c-1"); err != nil {
			t.Fatal(err)
		}
		refusedShipTo(t, e, carrier, start+`,"carrier":"smsa",`+from+`,"weight_grams":900}`)
	})
}

// refusedShipTo books body and wants a 422 naming ship_to, nothing written
// and no carrier asked.
func refusedShipTo(t *testing.T, e *env, carrier *bookings, body string) {
	t.Helper()
	before := e.head()
	rec := e.post("/v1/shipments", e.token(auth.Vendor, "v-1"), body)
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `"field":"ship_to"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if e.head() != before || len(carrier.asked) != 0 {
		t.Fatal("a refused booking wrote or asked the carrier")
	}
}
