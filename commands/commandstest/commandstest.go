// Package commandstest is the test kit of the handler packages: an executor
// over a memory store, a fixed clock, an order driven to delivery through
// the order aggregate itself, and readers of what a stream holds. Tests
// only; it imports testing.
//
// It may import commands, commands/user, domain, eventstore and
// eventstore/memory.
package commandstest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	usercmd "github.com/souq-market/souq/commands/user"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
)

// T0 is the instant test commands decide at.
var T0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// Clock returns a clock stopped at t.
func Clock(t time.Time) func() time.Time { return func() time.Time { return t } }

// Exec is an executor over a fresh memory store with every domain event
// registered.
func Exec(t testing.TB) (*commands.Executor, eventstore.Store) {
	t.Helper()
	st := memory.New(memory.Options{})
	t.Cleanup(func() { _ = st.Close() })
	return commands.NewExecutor(st, commands.NewRegistry(), commands.Options{Backoff: time.Microsecond, MaxBackoff: time.Millisecond}), st
}

// Money is n minor units of c, failing t when it cannot be.
func Money(t testing.TB, n int64, c domain.Currency) domain.Money {
	t.Helper()
	m, err := domain.New(n, c)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// HomeAddress is the entry Customer puts in an address book, as its default.
const HomeAddress user.AddressID = "a-home"

// Customer registers id as a customer whose address book holds one
// address in country (HomeAddress, the default): what checkout needs to
// ship an order. Registering again is a retry, so tests may call it for
// every order. The password hash is a well-formed bcrypt hash of nothing
// anyone logs in with.
func Customer(t testing.TB, x *commands.Executor, id domain.CustomerID, country domain.Country) {
	t.Helper()
	uid := user.ID(id)
	stream, err := usercmd.UserStream(uid)
	if err != nil {
		t.Fatal(err)
	}
	home := user.Address{Label: "home", Recipient: "Customer " + string(id), Phone: "+971 50 000 0000", Line1: "1 Test Street",
		City: "Dubai", Country: country}
	if country == domain.SaudiArabia {
		home.Phone, home.City = "+966 50 000 0000", "Riyadh"
	}
	_, err = commands.Execute(context.Background(), x, commands.Meta{Actor: eventstore.Actor{UserID: string(id), Role: string(user.Customer)}},
		commands.Step[*user.User]{Stream: stream, New: func() *user.User { return user.New(uid) }, Decide: func(u *user.User) error {
			hash := "$2a$10$" + strings.Repeat("x", 53)
			if err := u.Register(user.Register{Email: string(id) + "@example.ae", PasswordHash: hash, Role: user.Customer, Profile: user.Profile{Name: "Customer " + string(id)}}, T0); err != nil {
				return err
			}
			return u.AddAddress(user.AddAddress{AddressID: HomeAddress, Address: home, Default: true}, T0)
		}})
	if err != nil {
		t.Fatalf("customer %s: %v", id, err)
	}
}

// Order is an order to set up: who, through which affiliate, what.
type Order struct {
	ID        domain.OrderID
	Customer  domain.CustomerID
	Affiliate domain.AffiliateID
	Lines     []order.Line
	// Deliver these vendors' sub-orders (all when nil, none when empty).
	Deliver []domain.VendorID
}

// Place records an order in the UAE, cash on delivery, 14-day return
// window, 10 % commission, confirmed, and delivered as asked at `at`,
// through the order aggregate's own decisions. It returns the placed event.
func Place(t testing.TB, x *commands.Executor, o Order, at time.Time) order.Placed {
	t.Helper()
	rates := map[domain.VendorID]domain.BasisPoints{}
	for _, l := range o.Lines {
		rates[l.VendorID] = 1000
	}
	stream, err := commands.OrderStream(o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var placed order.Placed
	_, err = commands.Execute(context.Background(), x, commands.Meta{}, commands.Step[*order.Order]{
		Stream: stream, New: func() *order.Order { return order.New(o.ID) },
		Decide: func(a *order.Order) error {
			err := a.Place(order.Place{OrderID: o.ID, CustomerID: o.Customer, Country: domain.UAE, PaymentMethod: order.PayOnDelivery,
				Lines: o.Lines, CommissionRates: rates, AffiliateID: o.Affiliate, ReturnWindowDays: 14}, at)
			if err != nil {
				return err
			}
			placed = a.Changes()[0].(order.Placed)
			if err := a.Confirm(order.Confirm{}, at); err != nil {
				return err
			}
			for _, s := range a.SubOrders() {
				if o.Deliver != nil && !contains(o.Deliver, s.VendorID) {
					continue
				}
				errs := errors.Join(a.FulfilSubOrder(order.FulfilSubOrder{SubOrderID: s.ID}, at),
					a.ShipSubOrder(order.ShipSubOrder{SubOrderID: s.ID, ShipmentID: domain.ShipmentID("s-" + string(s.VendorID))}, at),
					a.DeliverSubOrder(order.DeliverSubOrder{SubOrderID: s.ID}, at))
				if errs != nil {
					return errs
				}
			}
			return nil
		}})
	if err != nil {
		t.Fatalf("place %s: %v", o.ID, err)
	}
	return placed
}

func contains(vs []domain.VendorID, v domain.VendorID) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// Read lists a stream's stored events (none when it does not exist).
func Read(t testing.TB, st eventstore.Store, stream string) []eventstore.RecordedEvent {
	t.Helper()
	recs, err := st.ReadStream(context.Background(), stream, eventstore.ReadStreamOptions{})
	if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatal(err)
	}
	return recs
}

// Types fails t unless the stream holds exactly these event types, in order.
func Types(t testing.TB, st eventstore.Store, stream string, want ...string) {
	t.Helper()
	var got []string
	for _, r := range Read(t, st, stream) {
		got = append(got, r.Type)
	}
	if len(got) != len(want) {
		t.Fatalf("%s holds %v, want %v", stream, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s holds %v, want %v", stream, got, want)
		}
	}
}

// Refused fails t unless err is a domain refusal of this kind and code.
func Refused(t testing.TB, err error, kind domain.Kind, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want %v %s", kind, code)
	}
	if domain.KindOf(err) != kind || domain.CodeOf(err) != code {
		t.Fatalf("refused with %v %s (%v), want %v %s", domain.KindOf(err), domain.CodeOf(err), err, kind, code)
	}
}

// Must(f())(t) fails t on f's error and returns its value.
func Must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
