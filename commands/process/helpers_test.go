package process_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/commandstest"
	invcmd "github.com/souq-market/souq/commands/inventory"
	ordercmd "github.com/souq-market/souq/commands/order"
	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/commands/process"
	walletcmd "github.com/souq-market/souq/commands/wallet"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// clock is a settable clock shared by the handlers of one test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// catalog sells every SKU at 100.00 AED from the vendor named in offers
// (default "v-1"), at 10 % commission.
type catalog map[domain.SKU]ordercmd.Offer

func (c catalog) Offer(_ context.Context, sku domain.SKU, _ domain.Country) (ordercmd.Offer, error) {
	if o, ok := c[sku]; ok {
		return o, nil
	}
	return ordercmd.Offer{ProductID: domain.ProductID("p-" + sku), VendorID: "v-1", UnitPrice: aed(100_00), CommissionRate: 1000}, nil
}

func aed(n int64) domain.Money {
	m, err := domain.New(n, "AED")
	if err != nil {
		panic(err)
	}
	return m
}

// fakeGateway records what the checkout asks a provider and settles
// nothing; fail makes the next Start calls fail.
type fakeGateway struct {
	mu      sync.Mutex
	starts  []paycmd.StartRequest
	cancels []paycmd.CancelRequest
	refunds []paycmd.RefundRequest
	fail    int
}

func (g *fakeGateway) Provider() string { return "fake" }
func (g *fakeGateway) Start(_ context.Context, r paycmd.StartRequest) (paycmd.Started, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fail > 0 {
		g.fail--
		return paycmd.Started{}, errors.New("provider unreachable")
	}
	g.starts = append(g.starts, r)
	return paycmd.Started{ProviderRef: "fake_" + r.Key}, nil
}
func (g *fakeGateway) Refund(_ context.Context, r paycmd.RefundRequest) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refunds = append(g.refunds, r)
	return nil
}
func (g *fakeGateway) Cancel(_ context.Context, r paycmd.CancelRequest) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cancels = append(g.cancels, r)
	return nil
}

func (g *fakeGateway) Session(_ context.Context, ref string) (paycmd.Started, error) {
	return paycmd.Started{ProviderRef: ref}, nil
}

func (g *fakeGateway) counts() (starts, cancels, refunds int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.starts), len(g.cancels), len(g.refunds)
}

// world is one store with its executor, clock and handlers.
type world struct {
	t     testing.TB
	ctx   context.Context
	store eventstore.Store
	exec  *commands.Executor
	clock *clock
	pos   map[string]eventstore.Position // per manager: where pump stopped
}

func newWorld(t testing.TB, store eventstore.Store) *world {
	t.Helper()
	if store == nil {
		store = memory.New(memory.Options{})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return &world{t: t, ctx: ctx, store: store, clock: &clock{now: t0}, pos: map[string]eventstore.Position{},
		exec: commands.NewExecutor(store, commands.NewRegistry(), commands.Options{Retries: 50, Backoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond})}
}

func (w *world) deps() process.Deps { return process.Deps{Exec: w.exec, Now: w.clock.Now} }

func (w *world) receive(sku domain.SKU, n int64) {
	w.t.Helper()
	if _, err := (invcmd.Receive{Deps: invcmd.Deps{Exec: w.exec, Now: w.clock.Now}}).Handle(w.ctx,
		inventory.Receive{SKU: sku, Location: process.DefaultLocation, Quantity: n}, commands.Meta{}); err != nil {
		w.t.Fatalf("receive: %v", err)
	}
}

func (w *world) openWallet(c domain.CustomerID, credit int64) {
	w.t.Helper()
	d := walletcmd.Deps{Exec: w.exec, Now: w.clock.Now}
	if _, err := (walletcmd.Open{Deps: d}).Handle(w.ctx, walletcmd.For[wallet.Open]{WalletID: process.WalletOf(c), Cmd: wallet.Open{CustomerID: c, Currency: "AED"}}, commands.Meta{}); err != nil {
		w.t.Fatalf("open wallet: %v", err)
	}
	if credit > 0 {
		if _, err := (walletcmd.Credit{Deps: d}).Handle(w.ctx, walletcmd.For[wallet.Credit]{WalletID: process.WalletOf(c),
			Cmd: wallet.Credit{Reference: "topup-" + string(c), Source: wallet.SourceTopUp, Amount: aed(credit)}}, commands.Meta{}); err != nil {
			w.t.Fatalf("credit wallet: %v", err)
		}
	}
}

// checkout places an order for one unit of each SKU; it returns the
// command's meta (its ID is the correlation of everything that follows).
func (w *world) checkout(id domain.OrderID, customer domain.CustomerID, method order.PaymentMethod, walletPart int64, skus ...domain.SKU) (commands.Meta, error) {
	cart := ordercmd.Cart{OrderID: id, CustomerID: customer, Country: "AE", PaymentMethod: method}
	for _, s := range skus {
		cart.Lines = append(cart.Lines, ordercmd.CartLine{SKU: s, Quantity: 1})
	}
	if walletPart > 0 {
		cart.WalletAmount = aed(walletPart)
	}
	meta := commands.Meta{CommandID: commands.DeriveID("test-checkout", string(id)), Actor: eventstore.Actor{UserID: string(customer), Role: "customer"}}
	commandstest.Customer(w.t, w.exec, customer, domain.UAE) // an address book to ship to
	_, err := ordercmd.Checkout{Deps: ordercmd.Deps{Exec: w.exec, Now: w.clock.Now}, Catalog: catalog{}}.Handle(w.ctx, cart, meta)
	return meta, err
}

func (w *world) mustCheckout(id domain.OrderID, customer domain.CustomerID, method order.PaymentMethod, walletPart int64, skus ...domain.SKU) commands.Meta {
	w.t.Helper()
	m, err := w.checkout(id, customer, method, walletPart, skus...)
	if err != nil {
		w.t.Fatalf("checkout %s: %v", id, err)
	}
	return m
}

// pump feeds m every event after where it last stopped, until the store's
// head stops moving (the manager's own commands included); it returns the
// first Handle error, leaving the position before the failed batch, as
// the runner does.
func (w *world) pump(m process.Manager) error {
	for {
		events, err := w.store.ReadAll(w.ctx, w.pos[m.Name()], 500)
		if err != nil {
			w.t.Fatalf("read: %v", err)
		}
		if len(events) == 0 {
			return nil
		}
		if err := m.Handle(w.ctx, events); err != nil {
			return err
		}
		w.pos[m.Name()] = events[len(events)-1].Position
	}
}

func (w *world) mustPump(m process.Manager) {
	w.t.Helper()
	if err := w.pump(m); err != nil {
		w.t.Fatalf("pump %s: %v", m.Name(), err)
	}
}

// replay feeds m the whole log again from the start, as a reset or a
// redelivering runner would, and checks it wrote nothing.
func (w *world) replay(m process.Manager) {
	w.t.Helper()
	before := w.head()
	w.pos[m.Name()] = 0
	w.mustPump(m)
	if after := w.head(); after != before {
		w.t.Fatalf("replaying %s wrote events: head %d → %d", m.Name(), before, after)
	}
}

func (w *world) head() eventstore.Position {
	w.t.Helper()
	h, err := w.store.Head(w.ctx)
	if err != nil {
		w.t.Fatalf("head: %v", err)
	}
	return h
}

// events returns the recorded events of a stream (none if it does not exist).
func (w *world) events(stream string) []eventstore.RecordedEvent {
	w.t.Helper()
	recs, err := w.store.ReadStream(w.ctx, stream, eventstore.ReadStreamOptions{})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		w.t.Fatalf("read %s: %v", stream, err)
	}
	return recs
}

func (w *world) firstOf(stream, typ string) (eventstore.RecordedEvent, bool) {
	for _, r := range w.events(stream) {
		if r.Type == typ {
			return r, true
		}
	}
	return eventstore.RecordedEvent{}, false
}

func load[A commands.Aggregate](w *world, stream string, fresh func() A) A {
	w.t.Helper()
	a, err := commands.Decide(w.ctx, w.exec, commands.Step[A]{Stream: stream, New: fresh, Decide: func(A) error { return nil }})
	if err != nil {
		w.t.Fatalf("load %s: %v", stream, err)
	}
	return a
}

func (w *world) order(id domain.OrderID) *order.Order {
	s, _ := commands.OrderStream(id)
	return load(w, s, func() *order.Order { return order.New(id) })
}

func (w *world) stock(sku domain.SKU) *inventory.Inventory {
	s, _ := commands.InventoryStream(sku, process.DefaultLocation)
	return load(w, s, func() *inventory.Inventory { return inventory.New(sku, process.DefaultLocation) })
}

func (w *world) wallet(c domain.CustomerID) *wallet.Wallet {
	s, _ := commands.WalletStream(process.WalletOf(c))
	return load(w, s, func() *wallet.Wallet { return wallet.New(process.WalletOf(c)) })
}

func (w *world) payment(o domain.OrderID) *payment.Payment {
	id := process.PaymentID(o)
	s, _ := commands.PaymentStream(id)
	return load(w, s, func() *payment.Payment { return payment.New(id) })
}

// settle records what a provider's webhooks would for a fake payment.
func (w *world) capture(o domain.OrderID) {
	w.t.Helper()
	p := w.payment(o)
	d := paycmd.Deps{Exec: w.exec, Now: w.clock.Now}
	ev := func(s string) payment.ProviderEvent {
		return payment.ProviderEvent{EventID: p.ProviderRef() + s, ProviderRef: p.ProviderRef()}
	}
	if _, err := (paycmd.Authorize{Deps: d}).Handle(w.ctx, paycmd.For[payment.Authorize]{PaymentID: p.ID(), Cmd: payment.Authorize{Event: ev(":a"), Amount: p.Amount()}}, commands.Meta{}); err != nil {
		w.t.Fatalf("authorize: %v", err)
	}
	if _, err := (paycmd.Capture{Deps: d}).Handle(w.ctx, paycmd.For[payment.Capture]{PaymentID: p.ID(), Cmd: payment.Capture{Event: ev(":c"), Amount: p.Amount()}}, commands.Meta{}); err != nil {
		w.t.Fatalf("capture: %v", err)
	}
}
