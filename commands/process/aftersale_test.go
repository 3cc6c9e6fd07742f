package process_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	affcmd "github.com/souq-market/souq/commands/affiliate"
	"github.com/souq-market/souq/commands/commandstest"
	ordercmd "github.com/souq-market/souq/commands/order"
	"github.com/souq-market/souq/commands/process"
	retcmd "github.com/souq-market/souq/commands/returns"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	vendorcmd "github.com/souq-market/souq/commands/vendor"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/affiliate"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/returns"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/domain/vendor"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
)

// flaky fails the next appends to streams with a prefix: a database that
// hiccups in the middle of a manager's steps.
type flaky struct {
	eventstore.Store
	mu    sync.Mutex
	fails map[string]int
}

func newFlaky() *flaky { return &flaky{Store: memory.New(memory.Options{}), fails: map[string]int{}} }

func (f *flaky) failNext(prefix string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails[prefix] = n
}

func (f *flaky) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, ev []eventstore.EventData) (eventstore.AppendResult, error) {
	f.mu.Lock()
	for p, n := range f.fails {
		if n > 0 && strings.HasPrefix(stream, p) {
			f.fails[p] = n - 1
			f.mu.Unlock()
			return eventstore.AppendResult{}, errors.New("database hiccup")
		}
	}
	f.mu.Unlock()
	return f.Store.Append(ctx, stream, exp, ev)
}

// aftersale is a world with two approved vendors, an affiliate, and a
// delivered-ready order o-1: one oud (v-1) and one musk (v-2), card paid,
// 5 % cashback, 14-day return window, placed through affiliate a-1.
type aftersale struct {
	*world
	store    *flaky
	gw       *fakeGateway
	checkout *process.Checkout
	ful      *process.Fulfilment
	earn     *process.Earnings
	ret      *process.Returns
	settle   *process.Settlement
	subs     map[domain.VendorID]domain.SubOrderID
}

var twoVendors = catalog{"musk-10": {ProductID: "p-musk", VendorID: "v-2", UnitPrice: aed(100_00), CommissionRate: 1000}}

func newAftersale(t *testing.T) *aftersale {
	st := newFlaky()
	w := newWorld(t, st)
	a := &aftersale{world: w, store: st, gw: &fakeGateway{}, subs: map[domain.VendorID]domain.SubOrderID{}}
	a.checkout = process.NewCheckout(process.Checkout{Deps: w.deps(), Gateway: a.gw})
	a.ful = process.NewFulfilment(w.deps())
	a.earn = process.NewEarnings(process.Earnings{Deps: w.deps()})
	a.ret = process.NewReturns(process.Returns{Deps: w.deps(), Gateway: a.gw})
	a.settle = process.NewSettlement(a.earn, 0)
	for _, v := range []domain.VendorID{"v-1", "v-2"} {
		if _, err := (vendorcmd.Onboard{Deps: vendorcmd.Deps{Exec: w.exec, Now: w.clock.Now}}).Handle(w.ctx, vendorcmd.For[vendor.Register]{VendorID: v,
			Cmd: vendor.Register{Name: "Vendor " + string(v), Country: "AE", Email: string(v) + "@example.ae"}}, commands.Meta{}); err != nil {
			t.Fatalf("onboard %s: %v", v, err)
		}
	}
	if _, err := (affcmd.Register{Deps: affcmd.Deps{Exec: w.exec, Now: w.clock.Now}}).Handle(w.ctx, affcmd.For[affcmd.Registration]{AffiliateID: "a-1",
		Cmd: affcmd.Registration{Register: affiliate.Register{InfluencerID: "inf-1", Name: "Noura", Currency: "AED", CommissionRate: 500},
			Link: &affiliate.CreateLink{LinkID: "l-1", Code: "NOURA"}}}, commands.Meta{}); err != nil {
		t.Fatalf("register affiliate: %v", err)
	}
	w.receive("oud-50", 5)
	w.receive("musk-10", 5)
	cart := ordercmd.Cart{OrderID: "o-1", CustomerID: "c-1", Country: "AE", PaymentMethod: order.PayByCard, AffiliateID: "a-1",
		Lines: []ordercmd.CartLine{{SKU: "oud-50", Quantity: 1}, {SKU: "musk-10", Quantity: 1}}}
	commandstest.Customer(t, w.exec, cart.CustomerID, domain.UAE) // an address book to ship to
	if _, err := (ordercmd.Checkout{Deps: ordercmd.Deps{Exec: w.exec, Now: w.clock.Now}, Catalog: twoVendors,
		Policy: ordercmd.Policy{CashbackRate: 500, ReturnWindowDays: 14}}).Handle(w.ctx, cart, commands.Meta{}); err != nil {
		t.Fatalf("checkout: %v", err)
	}
	a.pumpAll()
	w.capture("o-1")
	a.pumpAll()
	o := w.order("o-1")
	if o.Status() != order.StatusConfirmed {
		t.Fatalf("order %s, want confirmed", o.Status())
	}
	for _, s := range o.SubOrders() {
		a.subs[s.VendorID] = s.ID
		if _, err := (shipcmd.Create{Deps: shipcmd.Deps{Exec: w.exec, Now: w.clock.Now}}).Handle(w.ctx, shipcmd.For[shipment.Create]{ShipmentID: domain.ShipmentID("s-" + s.VendorID),
			Cmd: shipment.Create{OrderID: "o-1", SubOrderID: s.ID, VendorID: s.VendorID, Carrier: shipment.Aramex, TrackingNumber: "TRK-" + string(s.VendorID), LabelKey: "labels/" + string(s.VendorID)}},
			commands.Meta{}); err != nil {
			t.Fatalf("create shipment: %v", err)
		}
	}
	return a
}

func (a *aftersale) managers() []process.Manager {
	return []process.Manager{a.checkout, a.ful, a.earn, a.ret, a.settle}
}

// pumpAll pumps every manager until none writes anything more.
func (a *aftersale) pumpAll() {
	a.t.Helper()
	for {
		before := a.head()
		for _, m := range a.managers() {
			a.mustPump(m)
		}
		if a.head() == before {
			return
		}
	}
}

func (a *aftersale) replayAll() {
	a.t.Helper()
	for _, m := range a.managers() {
		a.replay(m)
	}
}

func (a *aftersale) track(v domain.VendorID, eventID string, s shipment.Status) eventstore.RecordedEvent {
	a.t.Helper()
	a.clock.Add(time.Hour)
	id := domain.ShipmentID("s-" + v)
	if _, err := (shipcmd.Track{Deps: shipcmd.Deps{Exec: a.exec, Now: a.clock.Now}}).Handle(a.ctx, shipcmd.For[shipment.Track]{ShipmentID: id,
		Cmd: shipment.Track{CarrierEventID: eventID, Status: s, CarrierStatus: string(s), OccurredAt: a.clock.Now()}}, commands.Meta{}); err != nil {
		a.t.Fatalf("track %s: %v", id, err)
	}
	recs := a.events("shipment-" + string(id))
	return recs[len(recs)-1]
}

func (a *aftersale) vendor(v domain.VendorID) *vendor.Vendor {
	s, _ := commands.VendorStream(v)
	return load(a.world, s, func() *vendor.Vendor { return vendor.New(v) })
}

func (a *aftersale) affiliate() *affiliate.Affiliate {
	s, _ := commands.AffiliateStream("a-1")
	return load(a.world, s, func() *affiliate.Affiliate { return affiliate.New("a-1") })
}

func (a *aftersale) returnOf(id domain.ReturnID) *returns.Return {
	s, _ := commands.ReturnStream(id)
	return load(a.world, s, func() *returns.Return { return returns.New(id) })
}

func (a *aftersale) deliverAll() {
	a.t.Helper()
	a.track("v-1", "e-1", shipment.Delivered)
	a.track("v-2", "e-2", shipment.Delivered)
	a.pumpAll()
	if o := a.order("o-1"); o.Status() != order.StatusDelivered {
		a.t.Fatalf("order %s, want delivered", o.Status())
	}
}

func TestFulfilmentDeliversSubOrdersThenTheOrder(t *testing.T) {
	a := newAftersale(t)
	moved := a.track("v-1", "e-1", shipment.InTransit)
	// The database fails the order's append once: the batch fails, and the
	// redelivery does the step.
	a.store.failNext("order-", 1)
	if err := a.pump(a.ful); err == nil {
		t.Fatal("a failed append did not fail the batch")
	}
	a.mustPump(a.ful)
	o := a.order("o-1")
	if st, _ := o.SubStatus(a.subs["v-1"]); st != order.SubShipped {
		t.Fatalf("sub-order of v-1 %s, want shipped", st)
	}
	shipped, ok := a.firstOf("order-o-1", order.TypeSubOrderShipped)
	if !ok || shipped.Metadata.CommandID != commands.DeriveID(moved.ID, "ship sub-order") || shipped.Metadata.CausationID != moved.ID {
		t.Fatalf("shipped %v with %+v", ok, shipped.Metadata)
	}
	a.replay(a.ful)

	a.track("v-1", "e-2", shipment.Delivered)
	a.mustPump(a.ful)
	if o := a.order("o-1"); o.Status() != order.StatusConfirmed {
		t.Fatalf("order %s with one part out, want confirmed", o.Status())
	}
	// v-2's parcel is delivered without a transit event: fulfilled,
	// shipped and delivered at once, and with it the order.
	last := a.track("v-2", "e-3", shipment.Delivered)
	a.mustPump(a.ful)
	o = a.order("o-1")
	if st, _ := o.SubStatus(a.subs["v-2"]); st != order.SubDelivered || o.Status() != order.StatusDelivered {
		t.Fatalf("sub-order of v-2 %s, order %s; want delivered, delivered", st, o.Status())
	}
	if d, _ := a.firstOf("order-o-1", order.TypeDelivered); d.Metadata.CommandID != commands.DeriveID(last.ID, "deliver sub-order") {
		t.Fatalf("order delivered by %s", d.Metadata.CommandID)
	}
	a.replay(a.ful)
}

func TestEarningsPendingOnDeliveryThenSettledAfterTheWindow(t *testing.T) {
	a := newAftersale(t)
	a.store.failNext("wallet-", 1) // the cashback fails once: the redelivery books it
	a.track("v-1", "e-1", shipment.Delivered)
	a.track("v-2", "e-2", shipment.Delivered)
	for range 3 {
		_ = a.pump(a.ful)
		_ = a.pump(a.earn)
	}
	delivered, _ := a.firstOf("order-o-1", order.TypeDelivered)
	// 100.00 each: 90.00 earned after 10 % commission; the affiliate gets
	// 5 % of 200.00; the customer 5 % cashback.
	for _, v := range []domain.VendorID{"v-1", "v-2"} {
		if p := a.vendor(v).Pending(); p != aed(90_00) {
			t.Fatalf("%s pending %v, want 90.00", v, p)
		}
	}
	rec, ok := a.firstOf("vendor-v-1", vendor.TypeEarningRecorded)
	if !ok || rec.Metadata.CommandID != commands.DeriveID(delivered.ID, "record earning "+string(a.subs["v-1"])) {
		t.Fatalf("earning recorded %v by %+v", ok, rec.Metadata)
	}
	if p := a.affiliate().Pending(); p != aed(10_00) {
		t.Fatalf("affiliate pending %v, want 10.00", p)
	}
	wl := a.wallet("c-1")
	if wl.Balance(wallet.CashbackPending) != aed(10_00) || !wl.Spendable().IsZero() {
		t.Fatalf("cashback pending %v, spendable %v", wl.Balance(wallet.CashbackPending), wl.Spendable())
	}
	a.pumpAll()
	a.replayAll()

	// Before the window closes nothing is settled; after, once.
	if n, err := a.settle.Sweep(a.ctx); err != nil || n != 0 {
		t.Fatalf("sweep inside the window: %d, %v", n, err)
	}
	a.clock.Add(14 * 24 * time.Hour)
	if n, err := a.settle.Sweep(a.ctx); err != nil || n != 1 {
		t.Fatalf("sweep after the window: %d, %v", n, err)
	}
	if o := a.order("o-1"); o.Status() != order.StatusCompleted {
		t.Fatalf("order %s, want completed", o.Status())
	}
	for _, v := range []domain.VendorID{"v-1", "v-2"} {
		if p, q := a.vendor(v).Pending(), a.vendor(v).Payable(); !p.IsZero() || q != aed(90_00) {
			t.Fatalf("%s pending %v payable %v", v, p, q)
		}
	}
	if q := a.affiliate().Payable(); q != aed(10_00) {
		t.Fatalf("affiliate payable %v", q)
	}
	if wl := a.wallet("c-1"); wl.Spendable() != aed(10_00) {
		t.Fatalf("spendable %v, want the 10.00 cashback", wl.Spendable())
	}
	completed, _ := a.firstOf("order-o-1", order.TypeCompleted)
	if completed.Metadata.CommandID != commands.DeriveID(delivered.ID, "complete") {
		t.Fatalf("completed by %s", completed.Metadata.CommandID)
	}
	// A second sweeper rebuilt from the log finds nothing to do.
	again := process.NewSettlement(a.earn, 0)
	a.mustPump(again)
	before := a.head()
	if n, err := again.Sweep(a.ctx); err != nil || n != 0 || a.head() != before {
		t.Fatalf("repeated sweep: %d, %v", n, err)
	}
	a.pumpAll()
	a.replayAll()
}

func (a *aftersale) requestReturn(id domain.ReturnID, v domain.VendorID, sku domain.SKU) {
	a.t.Helper()
	if _, err := (retcmd.RequestReturn{Deps: retcmd.Deps{Exec: a.exec, Now: a.clock.Now}}).Handle(a.ctx, retcmd.For[retcmd.Request]{ReturnID: id,
		Cmd: retcmd.Request{OrderID: "o-1", SubOrderID: a.subs[v], CustomerID: "c-1", Items: []retcmd.Item{{SKU: sku, Quantity: 1}}, Reason: returns.Damaged}}, commands.Meta{}); err != nil {
		a.t.Fatalf("request return: %v", err)
	}
}

func (a *aftersale) approve(id domain.ReturnID, to returns.Destination) {
	a.t.Helper()
	if _, err := (retcmd.Approve{Deps: retcmd.Deps{Exec: a.exec, Now: a.clock.Now}}).Handle(a.ctx, retcmd.For[returns.Approve]{ReturnID: id,
		Cmd: returns.Approve{RefundTo: to}}, commands.Meta{}); err != nil {
		a.t.Fatalf("approve: %v", err)
	}
}

func TestReturnToCardRefundsReversesAndRestocks(t *testing.T) {
	a := newAftersale(t)
	a.deliverAll()
	a.requestReturn("r-1", "v-1", "oud-50")
	// Undecided, the return holds the settlement back past the window.
	a.pumpAll()
	a.clock.Add(15 * 24 * time.Hour)
	if n, err := a.settle.Sweep(a.ctx); err != nil || n != 0 {
		t.Fatalf("sweep with an undecided return: %d, %v", n, err)
	}
	a.approve("r-1", returns.ToCard)
	approved, _ := a.firstOf("return-r-1", returns.TypeApproved)
	a.store.failNext("payment-", 1) // recording the refund fails once
	if err := a.pump(a.ret); err == nil {
		t.Fatal("a failed append did not fail the batch")
	}
	a.pumpAll()
	r := a.returnOf("r-1")
	if r.Refunded() != aed(100_00) {
		t.Fatalf("return refunded %v, want 100.00", r.Refunded())
	}
	p := a.payment("o-1")
	if p.Refunded() != aed(100_00) {
		t.Fatalf("payment refunded %v", p.Refunded())
	}
	if _, _, refunds := a.gw.counts(); refunds != 2 { // the failed append's, and its retry keyed the same
		t.Fatalf("gateway refunds %d, want 2 with one key", refunds)
	}
	for _, rq := range a.gw.refunds {
		if rq.Key != process.RefundID("r-1") {
			t.Fatalf("refund keyed %q", rq.Key)
		}
	}
	refunded, _ := a.firstOf("return-r-1", returns.TypeRefunded)
	if refunded.Metadata.CommandID != commands.DeriveID(approved.ID, "mark refunded") {
		t.Fatalf("marked refunded by %s", refunded.Metadata.CommandID)
	}
	// v-1's earning is taken back whole (the whole sub-order came back);
	// the affiliate's and the cashback by half (half the goods).
	if p := a.vendor("v-1").Pending(); !p.IsZero() {
		t.Fatalf("v-1 pending %v after the return", p)
	}
	if p := a.affiliate().Pending(); p != aed(5_00) {
		t.Fatalf("affiliate pending %v, want 5.00", p)
	}
	if c := a.wallet("c-1").Balance(wallet.CashbackPending); c != aed(5_00) {
		t.Fatalf("cashback pending %v, want 5.00", c)
	}
	a.replayAll()

	// Received with restock: back on hand at the line's location.
	before := a.stock("oud-50").OnHand()
	if _, err := (retcmd.Receive{Deps: retcmd.Deps{Exec: a.exec, Now: a.clock.Now}}).Handle(a.ctx, retcmd.For[returns.Receive]{ReturnID: "r-1",
		Cmd: returns.Receive{Restock: true}}, commands.Meta{}); err != nil {
		t.Fatal(err)
	}
	a.pumpAll()
	if got := a.stock("oud-50").OnHand(); got != before+1 {
		t.Fatalf("on hand %d, want %d", got, before+1)
	}
	a.replayAll()

	// Settled after the decision: v-2 payable in full, v-1 nothing.
	if n, err := a.settle.Sweep(a.ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	if q := a.vendor("v-2").Payable(); q != aed(90_00) {
		t.Fatalf("v-2 payable %v", q)
	}
	if q := a.vendor("v-1").Payable(); !q.IsZero() {
		t.Fatalf("v-1 payable %v", q)
	}
	if s := a.wallet("c-1").Spendable(); s != aed(5_00) {
		t.Fatalf("spendable %v, want the 5.00 cashback left", s)
	}
	a.pumpAll()
	a.replayAll()
}

func TestReturnToWalletCreditsTheWallet(t *testing.T) {
	a := newAftersale(t)
	a.deliverAll()
	a.requestReturn("r-2", "v-2", "musk-10")
	a.approve("r-2", returns.ToWallet)
	a.pumpAll()
	wl := a.wallet("c-1")
	if wl.Spendable() != aed(100_00) {
		t.Fatalf("spendable %v, want the 100.00 refund", wl.Spendable())
	}
	if p := a.payment("o-1"); !p.Refunded().IsZero() {
		t.Fatalf("card refunded %v for a wallet refund", p.Refunded())
	}
	if r := a.returnOf("r-2"); r.Refunded() != aed(100_00) {
		t.Fatalf("return refunded %v", r.Refunded())
	}
	// Received without restock: stock unchanged.
	before := a.stock("musk-10").OnHand()
	if _, err := (retcmd.Receive{Deps: retcmd.Deps{Exec: a.exec, Now: a.clock.Now}}).Handle(a.ctx, retcmd.For[returns.Receive]{ReturnID: "r-2",
		Cmd: returns.Receive{Restock: false, Note: "opened"}}, commands.Meta{}); err != nil {
		t.Fatal(err)
	}
	a.pumpAll()
	if got := a.stock("musk-10").OnHand(); got != before {
		t.Fatalf("on hand %d, want %d", got, before)
	}
	a.replayAll()
}
