package commands_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/commandstest"
	invcmd "github.com/souq-market/souq/commands/inventory"
	ordercmd "github.com/souq-market/souq/commands/order"
	paycmd "github.com/souq-market/souq/commands/payment"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	walletcmd "github.com/souq-market/souq/commands/wallet"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
)

func aed(n int64) domain.Money { m, _ := domain.New(n, domain.AED); return m }

// must(f())(t) fails t on f's error and returns its value.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// types lists the stored event types of a stream, in order.
func types(t *testing.T, st eventstore.Store, stream string) []string {
	t.Helper()
	var out []string
	for _, e := range read(t, st, stream) {
		out = append(out, e.Type)
	}
	return out
}

func wantTypes(t *testing.T, st eventstore.Store, stream string, want ...string) {
	t.Helper()
	got := types(t, st, stream)
	if len(got) != len(want) {
		t.Fatalf("%s holds %v, want %v", stream, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s holds %v, want %v", stream, got, want)
		}
	}
}

func fixed() time.Time { return t0 }

func TestInventoryHandlers(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Options{})
	d := invcmd.Deps{Exec: newExec(t, st, 0), Now: fixed}
	stream := "inventory-oud-royal-50ml@dxb-1"
	receive := commands.Meta{CommandID: "receive-1", Actor: eventstore.Actor{UserID: "v1", Role: "vendor"}}
	for range 2 { // the same command twice writes once
		must(invcmd.Receive{Deps: d}.Handle(ctx, inventory.Receive{SKU: sku, Location: loc, Quantity: 10}, receive))(t)
	}
	must(invcmd.Reserve{Deps: d}.Handle(ctx, inventory.Reserve{SKU: sku, Location: loc, ReservationID: "r1", OrderID: "o-1", Quantity: 4, ExpiresAt: t0.Add(time.Hour)}, commands.Meta{}))(t)
	must(invcmd.Reserve{Deps: d}.Handle(ctx, inventory.Reserve{SKU: sku, Location: loc, ReservationID: "r2", OrderID: "o-2", Quantity: 6, ExpiresAt: t0.Add(time.Hour)}, commands.Meta{}))(t)
	_, err := invcmd.Reserve{Deps: d}.Handle(ctx, inventory.Reserve{SKU: sku, Location: loc, ReservationID: "r3", OrderID: "o-3", Quantity: 1, ExpiresAt: t0.Add(time.Hour)}, commands.Meta{})
	if domain.CodeOf(err) != inventory.CodeInsufficientStock {
		t.Fatalf("oversold: %v", err)
	}
	must(invcmd.Commit{Deps: d}.Handle(ctx, invcmd.At[inventory.Commit]{SKU: sku, Location: loc, Cmd: inventory.Commit{ReservationID: "r1"}}, commands.Meta{}))(t)
	must(invcmd.Release{Deps: d}.Handle(ctx, invcmd.At[inventory.Release]{SKU: sku, Location: loc, Cmd: inventory.Release{ReservationID: "r2", Reason: "payment failed"}}, commands.Meta{}))(t)
	_, err = invcmd.Expire{Deps: d}.Handle(ctx, invcmd.At[inventory.Expire]{SKU: sku, Location: loc, Cmd: inventory.Expire{ReservationID: "nope"}}, commands.Meta{})
	if domain.CodeOf(err) != inventory.CodeReservationNotFound {
		t.Fatalf("%v", err)
	}
	must(invcmd.Adjust{Deps: d}.Handle(ctx, inventory.Adjust{SKU: sku, Location: loc, Delta: -1, Reason: inventory.ReasonDamaged}, commands.Meta{}))(t)
	wantTypes(t, st, stream, inventory.TypeReceived, inventory.TypeReserved, inventory.TypeReserved, inventory.TypeReservationCommitted, inventory.TypeReservationReleased, inventory.TypeAdjusted)
	if md := read(t, st, stream)[0].Metadata; md.CommandID != "receive-1" || md.Actor.UserID != "v1" || md.RecordedAt.IsZero() {
		t.Fatalf("metadata %+v", md)
	}
	a := must(commands.Decide(ctx, d.Exec, stockStep(t, func(*inventory.Inventory) error { return nil })))(t)
	if a.OnHand() != 5 || a.Available() != 5 {
		t.Fatalf("on hand %d available %d", a.OnHand(), a.Available())
	}
}

func TestWalletHandlers(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Options{})
	d := walletcmd.Deps{Exec: newExec(t, st, 0), Now: fixed}
	w := domain.WalletID("w1")
	must(walletcmd.Open{Deps: d}.Handle(ctx, walletcmd.For[wallet.Open]{WalletID: w, Cmd: wallet.Open{CustomerID: "c1", Currency: domain.AED}}, commands.Meta{}))(t)
	must(walletcmd.Credit{Deps: d}.Handle(ctx, walletcmd.For[wallet.Credit]{WalletID: w, Cmd: wallet.Credit{Reference: "topup-1", Source: wallet.SourceTopUp, Amount: aed(10000)}}, commands.Meta{}))(t)
	must(walletcmd.PlaceHold{Deps: d}.Handle(ctx, walletcmd.For[wallet.PlaceHold]{WalletID: w, Cmd: wallet.PlaceHold{HoldID: "h1", OrderID: "o-1", Amount: aed(6000)}}, commands.Meta{}))(t)
	_, err := walletcmd.PlaceHold{Deps: d}.Handle(ctx, walletcmd.For[wallet.PlaceHold]{WalletID: w, Cmd: wallet.PlaceHold{HoldID: "h2", OrderID: "o-2", Amount: aed(6000)}}, commands.Meta{})
	if domain.CodeOf(err) != wallet.CodeInsufficientFunds {
		t.Fatalf("double spend: %v", err)
	}
	must(walletcmd.VoidHold{Deps: d}.Handle(ctx, walletcmd.For[wallet.VoidHold]{WalletID: w, Cmd: wallet.VoidHold{HoldID: "h1"}}, commands.Meta{}))(t)
	must(walletcmd.PlaceHold{Deps: d}.Handle(ctx, walletcmd.For[wallet.PlaceHold]{WalletID: w, Cmd: wallet.PlaceHold{HoldID: "h2", OrderID: "o-2", Amount: aed(6000)}}, commands.Meta{}))(t)
	must(walletcmd.PostHold{Deps: d}.Handle(ctx, walletcmd.For[wallet.PostHold]{WalletID: w, Cmd: wallet.PostHold{HoldID: "h2"}}, commands.Meta{}))(t)
	must(walletcmd.Debit{Deps: d}.Handle(ctx, walletcmd.For[wallet.Debit]{WalletID: w, Cmd: wallet.Debit{Reference: "fix-1", Amount: aed(1000), Reason: "correction"}}, commands.Meta{}))(t)
	must(walletcmd.EarnCashback{Deps: d}.Handle(ctx, walletcmd.For[wallet.EarnCashback]{WalletID: w, Cmd: wallet.EarnCashback{Reference: "cb-1", OrderID: "o-2", Amount: aed(300), SpendableAt: t0}}, commands.Meta{}))(t)
	must(walletcmd.ReleaseCashback{Deps: d}.Handle(ctx, walletcmd.For[wallet.ReleaseCashback]{WalletID: w, Cmd: wallet.ReleaseCashback{Reference: "cb-1"}}, commands.Meta{}))(t)
	must(walletcmd.EarnCashback{Deps: d}.Handle(ctx, walletcmd.For[wallet.EarnCashback]{WalletID: w, Cmd: wallet.EarnCashback{Reference: "cb-2", OrderID: "o-3", Amount: aed(100), SpendableAt: t0.Add(time.Hour)}}, commands.Meta{}))(t)
	must(walletcmd.CancelCashback{Deps: d}.Handle(ctx, walletcmd.For[wallet.CancelCashback]{WalletID: w, Cmd: wallet.CancelCashback{Reference: "cb-2", Reason: "returned"}}, commands.Meta{}))(t)
	wantTypes(t, st, "wallet-w1", wallet.TypeOpened, wallet.TypeCredited, wallet.TypeHoldPlaced, wallet.TypeHoldVoided, wallet.TypeHoldPlaced, wallet.TypeHoldPosted, wallet.TypeDebited, wallet.TypeCashbackEarned, wallet.TypeCashbackReleased, wallet.TypeCashbackEarned, wallet.TypeCashbackCancelled)
	a := must(commands.Decide(ctx, d.Exec, commands.Step[*wallet.Wallet]{Stream: "wallet-w1", New: func() *wallet.Wallet { return wallet.New(w) }, Decide: func(*wallet.Wallet) error { return nil }}))(t)
	if got := a.Spendable().Amount(); got != 10000-6000-1000+300 {
		t.Fatalf("spendable %d", got)
	}
}

// gateway is a recording payment provider: one provider payment per key.
type gateway struct {
	starts, refunds, cancels atomic.Int32
}

func (g *gateway) Provider() string { return "stripe" }
func (g *gateway) Start(_ context.Context, r paycmd.StartRequest) (paycmd.Started, error) {
	g.starts.Add(1)
	return paycmd.Started{ProviderRef: "pi_" + r.Key, ClientSecret: "secret_" + r.Key}, nil
}
func (g *gateway) Refund(context.Context, paycmd.RefundRequest) error { g.refunds.Add(1); return nil }
func (g *gateway) Cancel(context.Context, paycmd.CancelRequest) error { g.cancels.Add(1); return nil }
func (g *gateway) Session(_ context.Context, ref string) (paycmd.Started, error) {
	return paycmd.Started{ProviderRef: ref, ClientSecret: "secret_" + ref}, nil
}

func TestPaymentHandlers(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Options{})
	d := paycmd.Deps{Exec: newExec(t, st, 0), Now: fixed}
	gw := &gateway{}
	start := paycmd.Initiation{PaymentID: "p1", OrderID: "o-1", CustomerID: "c1", Method: payment.Card, Amount: aed(5000)}
	meta := commands.Meta{CommandID: "init-p1"}
	res := must(paycmd.Initiate{Deps: d, Gateway: gw}.Handle(ctx, start, meta))(t)
	if res.ProviderRef != "pi_p1" || res.ClientSecret != "secret_p1" {
		t.Fatalf("%+v", res)
	}
	// Initiating again does not start a second provider payment.
	must(paycmd.Initiate{Deps: d, Gateway: gw}.Handle(ctx, start, commands.Meta{}))(t)
	if gw.starts.Load() != 1 {
		t.Fatalf("%d provider payments", gw.starts.Load())
	}
	other := start
	other.Amount = aed(4000)
	if _, err := (paycmd.Initiate{Deps: d, Gateway: gw}).Handle(ctx, other, commands.Meta{}); domain.CodeOf(err) != payment.CodeAmountMismatch {
		t.Fatalf("reference reused with another amount: %v", err)
	}
	ev := func(id string) payment.ProviderEvent { return payment.ProviderEvent{EventID: id, ProviderRef: "pi_p1"} }
	must(paycmd.RequireAction{Deps: d}.Handle(ctx, paycmd.For[payment.RequireAction]{PaymentID: "p1", Cmd: payment.RequireAction{Event: ev("evt_0")}}, commands.Meta{}))(t)
	must(paycmd.Authorize{Deps: d}.Handle(ctx, paycmd.For[payment.Authorize]{PaymentID: "p1", Cmd: payment.Authorize{Event: ev("evt_1"), Amount: aed(5000)}}, commands.Meta{}))(t)
	for range 3 { // the same webhook delivered three times
		must(paycmd.Capture{Deps: d}.Handle(ctx, paycmd.For[payment.Capture]{PaymentID: "p1", Cmd: payment.Capture{Event: ev("evt_2"), Amount: aed(5000)}}, commands.Meta{}))(t)
	}
	refund := paycmd.For[payment.Refund]{PaymentID: "p1", Cmd: payment.Refund{RefundID: "rf1", Amount: aed(2000), Reason: "one bottle broken"}}
	must(paycmd.Refund{Deps: d, Gateway: gw}.Handle(ctx, refund, commands.Meta{}))(t)
	must(paycmd.Refund{Deps: d, Gateway: gw}.Handle(ctx, refund, commands.Meta{}))(t) // a retry: recorded once, no second provider refund
	if gw.refunds.Load() != 1 {
		t.Fatalf("%d provider refunds", gw.refunds.Load())
	}
	must(paycmd.Chargeback{Deps: d}.Handle(ctx, paycmd.For[payment.Chargeback]{PaymentID: "p1", Cmd: payment.Chargeback{Event: ev("evt_3"), Amount: aed(3000), Reason: "fraud"}}, commands.Meta{}))(t)
	wantTypes(t, st, "payment-p1", payment.TypeInitiated, payment.TypeActionRequired, payment.TypeAuthorized, payment.TypeCaptured, payment.TypeRefunded, payment.TypeChargedBack)

	// Souq cancels an uncaptured card payment: the provider voids it once.
	must(paycmd.Initiate{Deps: d, Gateway: gw}.Handle(ctx, paycmd.Initiation{PaymentID: "p2", OrderID: "o-2", CustomerID: "c1", Method: payment.Card, Amount: aed(100)}, commands.Meta{}))(t)
	for range 2 {
		must(paycmd.Cancel{Deps: d, Gateway: gw}.Handle(ctx, paycmd.For[payment.Cancel]{PaymentID: "p2", Cmd: payment.Cancel{Reason: "order cancelled"}}, commands.Meta{}))(t)
	}
	if gw.cancels.Load() != 1 {
		t.Fatalf("%d provider cancels", gw.cancels.Load())
	}
	// Cash on delivery fails without the gateway.
	must(paycmd.Initiate{Deps: d, Gateway: gw}.Handle(ctx, paycmd.Initiation{PaymentID: "p3", OrderID: "o-3", CustomerID: "c1", Method: payment.COD, Amount: aed(100)}, commands.Meta{}))(t)
	must(paycmd.Fail{Deps: d}.Handle(ctx, paycmd.For[payment.Fail]{PaymentID: "p3", Cmd: payment.Fail{Code: "refused_at_door"}}, commands.Meta{}))(t)
	wantTypes(t, st, "payment-p2", payment.TypeInitiated, payment.TypeCancelled)
	wantTypes(t, st, "payment-p3", payment.TypeInitiated, payment.TypeFailed)
	if gw.starts.Load() != 2 {
		t.Fatalf("%d provider payments", gw.starts.Load())
	}
}

// catalog sells three SKUs from two vendors in the UAE.
type catalog map[domain.SKU]ordercmd.Offer

func (c catalog) Offer(_ context.Context, s domain.SKU, _ domain.Country) (ordercmd.Offer, error) {
	o, ok := c[s]
	if !ok {
		return ordercmd.Offer{}, domain.Errorf(domain.NotFound, "product.sku_not_found", "%s is not on sale", s)
	}
	return o, nil
}

func testCatalog() catalog {
	return catalog{
		"oud-50ml":   {ProductID: "p-oud", VendorID: "v-amber", UnitPrice: aed(45000), CommissionRate: 1200},
		"musk-10ml":  {ProductID: "p-musk", VendorID: "v-amber", UnitPrice: aed(8000), CommissionRate: 1200},
		"attar-12ml": {ProductID: "p-attar", VendorID: "v-dahn", UnitPrice: aed(15000), CommissionRate: 1000},
	}
}

func testCheckout(x *commands.Executor) ordercmd.Checkout {
	return ordercmd.Checkout{
		Deps:    ordercmd.Deps{Exec: x, Now: fixed},
		Catalog: testCatalog(),
		Policy: ordercmd.Policy{
			Shipping:     func(domain.VendorID, domain.Country, domain.Money) domain.Money { return aed(1500) },
			CashbackRate: 200, ReturnWindowDays: 14,
		},
	}
}

func testCart(id domain.OrderID) ordercmd.Cart {
	return ordercmd.Cart{OrderID: id, CustomerID: "c1", Country: domain.UAE, PaymentMethod: order.PayOnDelivery,
		Lines: []ordercmd.CartLine{{SKU: "oud-50ml", Quantity: 1}, {SKU: "musk-10ml", Quantity: 2}, {SKU: "attar-12ml", Quantity: 1}}}
}

func TestCheckoutAndOrderLifecycle(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Options{})
	x := newExec(t, st, 0)
	co := testCheckout(x)
	commandstest.Customer(t, x, testCart("").CustomerID, domain.UAE)
	q := must(co.Quote(ctx, testCart("o-1")))(t)
	if len(types(t, st, "order-o-1")) != 0 {
		t.Fatal("a quote wrote")
	}
	meta := commands.Meta{CommandID: commands.IdempotentID(eventstore.Actor{UserID: "c1"}, "k1"), IdempotencyKey: "k1", RequestHash: "cart-hash"}
	res := must(co.Handle(ctx, testCart("o-1"), meta))(t)
	again := must(co.Handle(ctx, testCart("o-1"), meta))(t)
	if !again.Replayed || again.Position != res.Position {
		t.Fatalf("replay %+v", again)
	}
	recs := read(t, st, "order-o-1")
	if len(recs) != 1 {
		t.Fatalf("%d events", len(recs))
	}
	placed := must(commands.NewRegistry().DecodeRecorded(recs[0]))(t).(order.Placed)
	if len(placed.SubOrders) != 2 || placed.Totals.Total != q.Totals.Total || placed.Totals.Subtotal.Amount() != 45000+16000+15000 || placed.Totals.Shipping.Amount() != 3000 {
		t.Fatalf("placed %+v, quoted %+v", placed.Totals, q.Totals)
	}
	if err := (order.Quote{Lines: placed.Lines, SubOrders: placed.SubOrders, Totals: placed.Totals}).Check(); err != nil {
		t.Fatal(err)
	}
	// Every unknown SKU is named at once.
	bad := testCart("o-2")
	bad.Lines = append(bad.Lines, ordercmd.CartLine{SKU: "nope", Quantity: 1}, ordercmd.CartLine{SKU: "gone", Quantity: 1})
	_, err := co.Handle(ctx, bad, commands.Meta{})
	if e, ok := err.(*domain.Error); !ok || len(e.Problems) != 2 {
		t.Fatalf("%v", err)
	}

	d := ordercmd.Deps{Exec: x, Now: fixed}
	sub1, sub2 := placed.SubOrders[0].ID, placed.SubOrders[1].ID
	must(ordercmd.Confirm{Deps: d}.Handle(ctx, ordercmd.For[order.Confirm]{OrderID: "o-1"}, commands.Meta{}))(t)
	must(ordercmd.FulfilSubOrder{Deps: d}.Handle(ctx, ordercmd.For[order.FulfilSubOrder]{OrderID: "o-1", Cmd: order.FulfilSubOrder{SubOrderID: sub1}}, commands.Meta{}))(t)
	must(ordercmd.ShipSubOrder{Deps: d}.Handle(ctx, ordercmd.For[order.ShipSubOrder]{OrderID: "o-1", Cmd: order.ShipSubOrder{SubOrderID: sub1, ShipmentID: "s1"}}, commands.Meta{}))(t)
	must(ordercmd.CancelSubOrder{Deps: d}.Handle(ctx, ordercmd.For[order.CancelSubOrder]{OrderID: "o-1", Cmd: order.CancelSubOrder{SubOrderID: sub2, Reason: "out of stock"}}, commands.Meta{}))(t)
	if _, err := (ordercmd.Cancel{Deps: d}).Handle(ctx, ordercmd.For[order.Cancel]{OrderID: "o-1", Cmd: order.Cancel{Reason: "changed mind"}}, commands.Meta{}); domain.CodeOf(err) != order.CodeAlreadyShipped {
		t.Fatalf("cancel after shipping: %v", err)
	}
	must(ordercmd.DeliverSubOrder{Deps: d}.Handle(ctx, ordercmd.For[order.DeliverSubOrder]{OrderID: "o-1", Cmd: order.DeliverSubOrder{SubOrderID: sub1}}, commands.Meta{}))(t)
	if _, err := (ordercmd.Complete{Deps: d}).Handle(ctx, ordercmd.For[order.Complete]{OrderID: "o-1"}, commands.Meta{}); domain.CodeOf(err) != order.CodeReturnWindowOpen {
		t.Fatalf("complete inside the window: %v", err)
	}
	later := ordercmd.Deps{Exec: x, Now: func() time.Time { return t0.AddDate(0, 0, 15) }}
	must(ordercmd.Complete{Deps: later}.Handle(ctx, ordercmd.For[order.Complete]{OrderID: "o-1"}, commands.Meta{}))(t)
	wantTypes(t, st, "order-o-1", order.TypePlaced, order.TypeConfirmed, order.TypeSubOrderFulfilled, order.TypeSubOrderShipped, order.TypeSubOrderCancelled, order.TypeSubOrderDelivered, order.TypeDelivered, order.TypeCompleted)

	// A card order is paid before it is confirmed; then it can be cancelled.
	card := testCart("o-3")
	card.PaymentMethod = order.PayByCard
	must(co.Handle(ctx, card, commands.Meta{}))(t)
	if _, err := (ordercmd.Confirm{Deps: d}).Handle(ctx, ordercmd.For[order.Confirm]{OrderID: "o-3"}, commands.Meta{}); domain.CodeOf(err) != order.CodeNotPaid {
		t.Fatalf("confirm unpaid: %v", err)
	}
	must(ordercmd.MarkPaid{Deps: d}.Handle(ctx, ordercmd.For[order.MarkPaid]{OrderID: "o-3", Cmd: order.MarkPaid{PaymentID: "p1", Amount: placed.Totals.Due}}, commands.Meta{}))(t)
	must(ordercmd.Cancel{Deps: d}.Handle(ctx, ordercmd.For[order.Cancel]{OrderID: "o-3", Cmd: order.Cancel{Reason: "customer asked"}}, commands.Meta{}))(t)
	wantTypes(t, st, "order-o-3", order.TypePlaced, order.TypePaid, order.TypeCancelled)
}

func TestShipmentHandlers(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Options{})
	d := shipcmd.Deps{Exec: newExec(t, st, 0), Now: fixed}
	must(shipcmd.Create{Deps: d}.Handle(ctx, shipcmd.For[shipment.Create]{ShipmentID: "s1", Cmd: shipment.Create{OrderID: "o-1", SubOrderID: "o-1:1", VendorID: "v1", Carrier: shipment.Aramex, TrackingNumber: "AX1", LabelKey: "labels/s1.pdf", CODAmount: aed(100)}}, commands.Meta{}))(t)
	track := func(id string, s shipment.Status, at time.Duration) shipcmd.For[shipment.Track] {
		return shipcmd.For[shipment.Track]{ShipmentID: "s1", Cmd: shipment.Track{CarrierEventID: id, Status: s, CarrierStatus: string(s), OccurredAt: t0.Add(at)}}
	}
	for _, c := range []shipcmd.For[shipment.Track]{track("e2", shipment.OutForDelivery, 2*time.Hour), track("e1", shipment.InTransit, time.Hour), track("e2", shipment.OutForDelivery, 2*time.Hour)} {
		must(shipcmd.Track{Deps: d}.Handle(ctx, c, commands.Meta{}))(t)
	}
	wantTypes(t, st, "shipment-s1", shipment.TypeCreated, shipment.TypeStatusChanged)
}

func placedFrom(q order.Quote) order.Placed {
	return order.Placed{OrderID: "bench-0", CustomerID: "c1", Country: domain.UAE, PaymentMethod: order.PayOnDelivery, ReturnWindowDays: 14, Lines: q.Lines, SubOrders: q.SubOrders, Totals: q.Totals, At: t0}
}
