package commands_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/commandstest"
	invcmd "github.com/souq-market/souq/commands/inventory"
	paycmd "github.com/souq-market/souq/commands/payment"
	usercmd "github.com/souq-market/souq/commands/user"
	walletcmd "github.com/souq-market/souq/commands/wallet"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/postgres"
	"github.com/souq-market/souq/internal/testenv/pgtest"
)

// openPostgres opens a store in a schema of the test's own, dropped when
// the test ends.
func openPostgres(t testing.TB) *postgres.Store {
	t.Helper()
	url, schema := pgtest.Schema(t, "commands_test")
	st, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema, MaxConns: 16})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() }) // before pgtest drops the schema
	return st
}

// race runs n goroutines released together and collects their errors.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			errs[i] = f(i)
		}()
	}
	start.Done()
	done.Wait()
	return errs
}

func TestPostgres200BuyersRaceForTenUnits(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st := openPostgres(t)
	// Enough retries that every buyer gets the domain's answer rather than
	// giving up on contention: 200 writers on one stream is the worst case.
	x := commands.NewExecutor(st, commands.NewRegistry(), commands.Options{Retries: 50, Backoff: 2 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	d := invcmd.Deps{Exec: x, Now: fixed}
	must(invcmd.Receive{Deps: d}.Handle(ctx, inventory.Receive{SKU: sku, Location: loc, Quantity: 10}, commands.Meta{}))(t)

	errs := race(200, func(i int) error {
		_, err := invcmd.Reserve{Deps: d}.Handle(ctx, inventory.Reserve{SKU: sku, Location: loc, ReservationID: inventory.ReservationID(fmt.Sprintf("r%d", i)), OrderID: domain.OrderID(fmt.Sprintf("o-%d", i)), Quantity: 1, ExpiresAt: t0.Add(time.Hour)}, commands.Meta{Actor: eventstore.Actor{UserID: fmt.Sprintf("buyer-%d", i)}})
		return err
	})
	var won []int
	for i, err := range errs {
		switch {
		case err == nil:
			won = append(won, i)
		case domain.CodeOf(err) != inventory.CodeInsufficientStock:
			t.Errorf("buyer %d: %v", i, err)
		}
	}
	if len(won) != 10 {
		t.Fatalf("%d reservations succeeded, want 10", len(won))
	}
	stock := func() *inventory.Inventory {
		return must(commands.Decide(ctx, x, stockStep(t, func(*inventory.Inventory) error { return nil })))(t)
	}
	if a := stock(); a.Available() != 0 || a.Reserved() != 10 || a.OnHand() != 10 {
		t.Fatalf("available %d reserved %d on hand %d", a.Available(), a.Reserved(), a.OnHand())
	}
	for _, err := range race(len(won), func(i int) error {
		_, err := invcmd.Commit{Deps: d}.Handle(ctx, invcmd.At[inventory.Commit]{SKU: sku, Location: loc, Cmd: inventory.Commit{ReservationID: inventory.ReservationID(fmt.Sprintf("r%d", won[i]))}}, commands.Meta{})
		return err
	}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if a := stock(); a.Available() != 0 || a.OnHand() != 0 {
		t.Fatalf("after commits: available %d on hand %d", a.Available(), a.OnHand())
	}
	if n := len(read(t, st, "inventory-oud-royal-50ml@dxb-1")); n != 1+10+10 {
		t.Fatalf("%d events stored", n)
	}
}

func TestPostgresTwoHoldsOnOneBalance(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st := openPostgres(t)
	d := walletcmd.Deps{Exec: newExec(t, st, 0), Now: fixed}
	must(walletcmd.Open{Deps: d}.Handle(ctx, walletcmd.For[wallet.Open]{WalletID: "w1", Cmd: wallet.Open{CustomerID: "c1", Currency: domain.AED}}, commands.Meta{}))(t)
	must(walletcmd.Credit{Deps: d}.Handle(ctx, walletcmd.For[wallet.Credit]{WalletID: "w1", Cmd: wallet.Credit{Reference: "t1", Source: wallet.SourceTopUp, Amount: aed(10000)}}, commands.Meta{}))(t)
	for round := range 5 { // a few rounds, so the race is really run
		errs := race(2, func(i int) error {
			_, err := walletcmd.PlaceHold{Deps: d}.Handle(ctx, walletcmd.For[wallet.PlaceHold]{WalletID: "w1", Cmd: wallet.PlaceHold{HoldID: wallet.HoldID(fmt.Sprintf("h%d-%d", round, i)), OrderID: domain.OrderID(fmt.Sprintf("o-%d-%d", round, i)), Amount: aed(6000)}}, commands.Meta{})
			return err
		})
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case domain.CodeOf(err) != wallet.CodeInsufficientFunds:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		w := must(commands.Decide(ctx, d.Exec, commands.Step[*wallet.Wallet]{Stream: "wallet-w1", New: func() *wallet.Wallet { return wallet.New("w1") }, Decide: func(*wallet.Wallet) error { return nil }}))(t)
		if ok != 1 || w.Spendable().Amount() != 4000 || w.Balance(wallet.Held).Amount() != 6000 {
			t.Fatalf("round %d: %d holds succeeded; spendable %v held %v", round, ok, w.Spendable(), w.Balance(wallet.Held))
		}
		// Give the money back for the next round.
		for i := range 2 {
			_, _ = walletcmd.VoidHold{Deps: d}.Handle(ctx, walletcmd.For[wallet.VoidHold]{WalletID: "w1", Cmd: wallet.VoidHold{HoldID: wallet.HoldID(fmt.Sprintf("h%d-%d", round, i))}}, commands.Meta{})
		}
	}
}

func TestPostgresSameProviderEventTwentyTimes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st := openPostgres(t)
	d := paycmd.Deps{Exec: newExec(t, st, 0), Now: fixed}
	gw := &gateway{}
	must(paycmd.Initiate{Deps: d, Gateway: gw}.Handle(ctx, paycmd.Initiation{PaymentID: "p1", OrderID: "o-1", CustomerID: "c1", Method: payment.Card, Amount: aed(5000)}, commands.Meta{}))(t)
	ev := payment.ProviderEvent{EventID: "evt_1", ProviderRef: "pi_p1"}
	must(paycmd.Authorize{Deps: d}.Handle(ctx, paycmd.For[payment.Authorize]{PaymentID: "p1", Cmd: payment.Authorize{Event: ev, Amount: aed(5000)}}, commands.Meta{}))(t)
	capture := payment.ProviderEvent{EventID: "evt_2", ProviderRef: "pi_p1"}
	errs := race(20, func(i int) error {
		// Half the deliveries carry a command ID of their own (a webhook
		// handler that did not derive one): then only the domain's memory
		// of provider event IDs, reloaded after each conflict, stops them.
		meta := commands.Meta{}
		if i%2 == 1 {
			meta.CommandID = fmt.Sprintf("delivery-%d", i)
		}
		_, err := paycmd.Capture{Deps: d}.Handle(ctx, paycmd.For[payment.Capture]{PaymentID: "p1", Cmd: payment.Capture{Event: capture, Amount: aed(5000)}}, meta)
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("delivery %d: %v", i, err)
		}
	}
	wantTypes(t, st, "payment-p1", payment.TypeInitiated, payment.TypeAuthorized, payment.TypeCaptured)
}

// Checkouts racing a change of the default address on PostgreSQL: each
// order records one whole entry of the address book — the default before
// the change or after it, never a mix — and all are placed.
func TestPostgresCheckoutsRaceADefaultAddressChange(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st := openPostgres(t)
	x := commands.NewExecutor(st, commands.NewRegistry(), commands.Options{Retries: 20, Backoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	customer := testCart("").CustomerID
	commandstest.Customer(t, x, customer, domain.UAE)
	office := user.Address{Recipient: "Office desk", Phone: "+971 4 123 4567", Line1: "Office 3, Bay Square", City: "Dubai", Country: domain.UAE}
	userStep := func(decide func(*user.User) error) error {
		stream, _ := usercmd.UserStream(user.ID(customer))
		_, err := commands.Execute(ctx, x, commands.Meta{}, commands.Step[*user.User]{Stream: stream,
			New: func() *user.User { return user.New(user.ID(customer)) }, Decide: decide})
		return err
	}
	if err := userStep(func(u *user.User) error {
		return u.AddAddress(user.AddAddress{AddressID: "a-office", Address: office}, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	co := testCheckout(x)
	const buyers = 20
	errs := race(buyers+1, func(i int) error {
		if i == buyers {
			return userStep(func(u *user.User) error {
				return u.SetDefaultAddress(user.SetDefaultAddress{AddressID: "a-office"}, time.Now())
			})
		}
		_, err := co.Handle(ctx, testCart(domain.OrderID(fmt.Sprintf("o-%d", i))), commands.Meta{})
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	for i := range buyers {
		id := domain.OrderID(fmt.Sprintf("o-%d", i))
		stream, _ := commands.OrderStream(id)
		o, err := commands.Load(ctx, x, stream, func() *order.Order { return order.New(id) })
		if err != nil {
			t.Fatal(err)
		}
		got, ok := o.ShipTo()
		switch {
		case !ok:
			t.Errorf("%s records no ship-to", id)
		case got.AddressID == string(commandstest.HomeAddress) && got.Line1 == "1 Test Street" && got.Recipient == "Customer "+string(customer):
		case got.AddressID == "a-office" && got.Line1 == office.Line1 && got.Recipient == office.Recipient && got.Phone == office.Phone:
		default:
			t.Errorf("%s ships to %+v: no one entry of the book", id, got)
		}
	}
}
