package order_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/commandstest"
	ordercmd "github.com/souq-market/souq/commands/order"
	usercmd "github.com/souq-market/souq/commands/user"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/domaintest"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/user"
)

// catalog sells one SKU, in dirhams and riyals alike.
type catalog struct{}

func (catalog) Offer(_ context.Context, sku domain.SKU, c domain.Country) (ordercmd.Offer, error) {
	if sku != "oud-50" {
		return ordercmd.Offer{}, domain.Errorf(domain.NotFound, "product.sku_not_found", "no SKU %s", sku)
	}
	cur, _ := c.Currency()
	price, _ := domain.New(25000, cur)
	return ordercmd.Offer{ProductID: "p-oud", VendorID: "v-a", UnitPrice: price, CommissionRate: 1000}, nil
}

func setup(t *testing.T) (ordercmd.Checkout, *commands.Executor) {
	x, _ := commandstest.Exec(t)
	return ordercmd.Checkout{Deps: ordercmd.Deps{Exec: x, Now: commandstest.Clock(commandstest.T0)}, Catalog: catalog{}}, x
}

func cart(id domain.OrderID, customer domain.CustomerID) ordercmd.Cart {
	return ordercmd.Cart{OrderID: id, CustomerID: customer, Country: domain.UAE, PaymentMethod: order.PayOnDelivery,
		Lines: []ordercmd.CartLine{{SKU: "oud-50", Quantity: 1}}}
}

// onUser decides on a customer's account as the identity routes would.
func onUser(t *testing.T, x *commands.Executor, id domain.CustomerID, decide func(*user.User) error) {
	t.Helper()
	stream, err := usercmd.UserStream(user.ID(id))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := commands.Execute(context.Background(), x, commands.Meta{}, commands.Step[*user.User]{Stream: stream,
		New: func() *user.User { return user.New(user.ID(id)) }, Decide: decide}); err != nil {
		t.Fatal(err)
	}
}

var office = user.Address{Label: "office", Recipient: "Layla Haddad", Phone: "+971 4 123 4567", Line1: "Office 3, Bay Square",
	Line2: "Business Bay", City: "Dubai", Region: "Dubai", PostalCode: "00000", Country: domain.UAE}

// shipTo reads the ship-to recorded on an order.
func shipTo(t *testing.T, x *commands.Executor, id domain.OrderID) (order.ShipTo, bool) {
	t.Helper()
	stream, _ := commands.OrderStream(id)
	o, err := commands.Load(context.Background(), x, stream, func() *order.Order { return order.New(id) })
	if err != nil {
		t.Fatal(err)
	}
	if o.Version() == 0 {
		t.Fatalf("order %s was not placed", id)
	}
	return o.ShipTo()
}

func TestCheckoutShipsToTheDefaultAddress(t *testing.T) {
	co, x := setup(t)
	commandstest.Customer(t, x, "c-1", domain.UAE)
	if _, err := co.Handle(context.Background(), cart("o-1", "c-1"), commands.Meta{}); err != nil {
		t.Fatal(err)
	}
	got, ok := shipTo(t, x, "o-1")
	if !ok || got.AddressID != string(commandstest.HomeAddress) || got.Recipient != "Customer c-1" || got.Line1 != "1 Test Street" || got.Country != domain.UAE {
		t.Fatalf("ship-to %+v, %v", got, ok)
	}
}

// The order keeps the address as it was at checkout: editing the address
// book afterwards (removing the entry, a new default) moves no order.
func TestCheckoutShipsToTheNamedAddressAndKeepsIt(t *testing.T) {
	co, x := setup(t)
	commandstest.Customer(t, x, "c-1", domain.UAE)
	onUser(t, x, "c-1", func(u *user.User) error {
		return u.AddAddress(user.AddAddress{AddressID: "a-office", Address: office}, commandstest.T0)
	})
	c := cart("o-1", "c-1")
	c.AddressID = "a-office"
	if _, err := co.Handle(context.Background(), c, commands.Meta{}); err != nil {
		t.Fatal(err)
	}
	want := order.ShipTo{AddressID: "a-office", Recipient: office.Recipient, Phone: office.Phone, Line1: office.Line1, Line2: office.Line2,
		City: office.City, Region: office.Region, PostalCode: office.PostalCode, Country: office.Country}
	if got, ok := shipTo(t, x, "o-1"); !ok || got != want {
		t.Fatalf("ship-to %+v, want %+v", got, want)
	}
	onUser(t, x, "c-1", func(u *user.User) error {
		if err := u.RemoveAddress(user.RemoveAddress{AddressID: "a-office"}, commandstest.T0.Add(time.Hour)); err != nil {
			return err
		}
		moved := office
		moved.Line1 = "Villa 9, Jumeirah"
		return u.AddAddress(user.AddAddress{AddressID: "a-new", Address: moved, Default: true}, commandstest.T0.Add(time.Hour))
	})
	if got, _ := shipTo(t, x, "o-1"); got != want {
		t.Fatalf("the address book's edits moved the order: %+v", got)
	}
	// Placing it again names an entry no longer in the book: refused.
	if _, err := co.Handle(context.Background(), c, commands.Meta{}); err == nil {
		t.Fatal("the same order ID placed again to an address no longer in the book")
	}
}

// Hostile and impossible address choices are refused with every problem
// listed at once, beside the cart's own, and nothing is written.
func TestCheckoutRefusesAddresses(t *testing.T) {
	co, x := setup(t)
	commandstest.Customer(t, x, "c-1", domain.UAE)
	commandstest.Customer(t, x, "c-2", domain.UAE)
	onUser(t, x, "c-2", func(u *user.User) error {
		return u.AddAddress(user.AddAddress{AddressID: "a-office", Address: office}, commandstest.T0)
	})
	onUser(t, x, "c-3", func(u *user.User) error { // registered, no address
		return u.Register(user.Register{Email: "c-3@example.ae", PasswordHash: "$2a$10$" + strings.Repeat("x", 53), Role: user.Customer,
			Profile: user.Profile{Name: "Three"}}, commandstest.T0)
	})
	riyadh := office
	riyadh.City, riyadh.Region, riyadh.Country = "Riyadh", "", domain.SaudiArabia
	onUser(t, x, "c-1", func(u *user.User) error {
		return u.AddAddress(user.AddAddress{AddressID: "a-riyadh", Address: riyadh}, commandstest.T0)
	})
	for _, tc := range []struct {
		name     string
		customer domain.CustomerID
		address  user.AddressID
		badLine  bool
		fields   []string
	}{
		{"unknown entry", "c-1", "a-nowhere", false, []string{"address_id"}},
		{"another customer's entry", "c-1", "a-office", false, []string{"address_id"}},
		{"malformed", "c-1", "a office/../x", false, []string{"address_id"}},
		{"control characters", "c-1", "a-\x00", false, []string{"address_id"}},
		{"very long", "c-1", user.AddressID(string(make([]byte, 10_000))), false, []string{"address_id"}},
		{"an address in another country", "c-1", "a-riyadh", false, []string{"address_id"}},
		{"no address book: not registered", "c-9", "", false, []string{"address_id"}},
		{"no address book: none added", "c-3", "", false, []string{"address_id"}},
		{"every problem at once", "c-3", "", true, []string{"lines[1].sku", "address_id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cart("o-bad", tc.customer)
			c.AddressID = tc.address
			if tc.badLine {
				c.Lines = append(c.Lines, ordercmd.CartLine{SKU: "nope", Quantity: 1})
			}
			_, err := co.Handle(context.Background(), c, commands.Meta{})
			domaintest.Problems(t, err, tc.fields...)
			stream, _ := commands.OrderStream("o-bad")
			if o, _ := commands.Load(context.Background(), x, stream, func() *order.Order { return order.New("o-bad") }); o.Version() != 0 {
				t.Fatal("a refused checkout wrote the order")
			}
		})
	}
	t.Run("a forgotten customer", func(t *testing.T) {
		onUser(t, x, "c-2", func(u *user.User) error { return u.Forget(user.Forget{By: "admin-1"}, commandstest.T0) })
		_, err := co.Handle(context.Background(), cart("o-gone", "c-2"), commands.Meta{})
		commandstest.Refused(t, err, domain.Conflict, user.CodeForgotten)
	})
	t.Run("a quote needs no address", func(t *testing.T) {
		if _, err := co.Quote(context.Background(), cart("o-q", "c-3")); err != nil {
			t.Fatal(err)
		}
	})
}
