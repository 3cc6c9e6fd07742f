package process_test

import (
	"testing"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/process"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/wallet"
)

func TestCheckoutCardIssuesDerivedCommandsThenConfirms(t *testing.T) {
	w := newWorld(t, nil)
	gw := &fakeGateway{}
	m := process.NewCheckout(process.Checkout{Deps: w.deps(), Gateway: gw})
	w.receive("oud-50", 5)
	w.receive("musk-10", 5)
	w.openWallet("c-1", 50_00)
	meta := w.mustCheckout("o-1", "c-1", order.PayByCard, 30_00, "oud-50", "musk-10")
	w.mustPump(m)

	placed, _ := w.firstOf("order-o-1", order.TypePlaced)
	// Each step's command ID derives from the triggering event and the step;
	// causation is that event; correlation the customer's checkout.
	for i, sku := range []string{"oud-50", "musk-10"} {
		r, ok := w.firstOf("inventory-"+sku+"@main", inventory.TypeReserved)
		if !ok {
			t.Fatalf("line %d not reserved", i)
		}
		purpose := []string{"reserve line 0", "reserve line 1"}[i]
		if r.Metadata.CommandID != commands.DeriveID(placed.ID, purpose) || r.Metadata.CausationID != placed.ID || r.Metadata.CorrelationID != meta.CommandID {
			t.Errorf("line %d metadata %+v", i, r.Metadata)
		}
		if got := w.stock("oud-50").Available(); got != 4 {
			t.Errorf("available %d, want 4", got)
		}
	}
	if st, _ := w.wallet("c-1").HoldStatus(process.HoldID("o-1")); st != wallet.Pending {
		t.Fatalf("hold %q, want pending", st)
	}
	p := w.payment("o-1")
	if p.Status() != payment.StatusInitiated || p.Amount() != w.order("o-1").Totals().Due || p.Method() != payment.Card {
		t.Fatalf("payment %s %v %s", p.Status(), p.Amount(), p.Method())
	}
	if s, _, _ := gw.counts(); s != 1 {
		t.Fatalf("gateway started %d times", s)
	}

	// Redelivery of everything so far issues nothing new.
	w.replay(m)
	if s, _, _ := gw.counts(); s != 1 {
		t.Fatalf("redelivery started the payment again (%d)", s)
	}

	w.capture("o-1")
	w.mustPump(m)
	o := w.order("o-1")
	if o.Status() != order.StatusConfirmed {
		t.Fatalf("order %s, want confirmed", o.Status())
	}
	if a := w.stock("oud-50"); a.OnHand() != 4 || a.Reserved() != 0 {
		t.Fatalf("oud on hand %d reserved %d", a.OnHand(), a.Reserved())
	}
	wl := w.wallet("c-1")
	if st, _ := wl.HoldStatus(process.HoldID("o-1")); st != wallet.Posted || wl.Spendable() != aed(20_00) {
		t.Fatalf("hold %s, spendable %v", st, wl.Spendable())
	}
	w.replay(m)
}

func TestCheckoutOutOfStockCancelsAndReleases(t *testing.T) {
	w := newWorld(t, nil)
	m := process.NewCheckout(process.Checkout{Deps: w.deps(), Gateway: &fakeGateway{}})
	w.receive("oud-50", 1)
	w.openWallet("c-1", 50_00)
	w.mustCheckout("o-1", "c-1", order.PayByCard, 10_00, "oud-50", "rose-5") // no rose in stock
	w.mustPump(m)
	if o := w.order("o-1"); o.Status() != order.StatusCancelled {
		t.Fatalf("order %s, want cancelled", o.Status())
	}
	if a := w.stock("oud-50"); a.Available() != 1 || a.Reserved() != 0 {
		t.Fatalf("line 0 still held: available %d", a.Available())
	}
	if _, ok := w.wallet("c-1").HoldStatus(process.HoldID("o-1")); ok {
		t.Fatal("a hold was placed for an order that could not be reserved")
	}
	if p := w.payment("o-1"); p.Status() != payment.StatusNone {
		t.Fatalf("payment %s started for a cancelled order", p.Status())
	}
	w.replay(m)
}

func TestCheckoutFailedStepIsRetriedOnRedelivery(t *testing.T) {
	w := newWorld(t, nil)
	gw := &fakeGateway{fail: 1}
	m := process.NewCheckout(process.Checkout{Deps: w.deps(), Gateway: gw})
	w.receive("oud-50", 3)
	w.mustCheckout("o-1", "c-1", order.PayByCard, 0, "oud-50")
	if err := w.pump(m); err == nil {
		t.Fatal("a failing gateway did not fail the batch")
	}
	if p := w.payment("o-1"); p.Status() != payment.StatusNone {
		t.Fatalf("payment %s after a failed start", p.Status())
	}
	w.mustPump(m) // the runner delivers the batch again
	if p := w.payment("o-1"); p.Status() != payment.StatusInitiated {
		t.Fatalf("payment %s after redelivery", p.Status())
	}
	if r := w.events("inventory-oud-50@main"); len(r) != 2 { // received, reserved once
		t.Fatalf("%d inventory events, want 2", len(r))
	}
}

func TestCheckoutDeclinedPaymentReleasesStockAndVoidsHold(t *testing.T) {
	w := newWorld(t, nil)
	gw := &fakeGateway{}
	m := process.NewCheckout(process.Checkout{Deps: w.deps(), Gateway: gw})
	w.receive("oud-50", 2)
	w.openWallet("c-1", 40_00)
	w.mustCheckout("o-1", "c-1", order.PayByCard, 40_00, "oud-50")
	w.mustPump(m)
	p := w.payment("o-1")
	if _, err := (paycmdFail{w}).fail(p); err != nil {
		t.Fatal(err)
	}
	w.mustPump(m)
	if o := w.order("o-1"); o.Status() != order.StatusCancelled {
		t.Fatalf("order %s", o.Status())
	}
	if a := w.stock("oud-50"); a.Available() != 2 {
		t.Fatalf("available %d, want 2", a.Available())
	}
	wl := w.wallet("c-1")
	if st, _ := wl.HoldStatus(process.HoldID("o-1")); st != wallet.Voided || wl.Spendable() != aed(40_00) {
		t.Fatalf("hold %s, spendable %v", st, wl.Spendable())
	}
	w.replay(m)
}

func TestCheckoutCashOnDeliveryAndWalletConfirmAtOnce(t *testing.T) {
	w := newWorld(t, nil)
	m := process.NewCheckout(process.Checkout{Deps: w.deps(), Gateway: &fakeGateway{}})
	w.receive("oud-50", 2)
	w.openWallet("c-2", 1000_00)
	w.mustCheckout("o-cod", "c-1", order.PayOnDelivery, 0, "oud-50")
	total := w.order("o-cod").Totals().Total.Amount()
	w.mustCheckout("o-wal", "c-2", order.PayByWallet, total, "oud-50")
	w.mustPump(m)
	for _, id := range []string{"o-cod", "o-wal"} {
		if o := w.order(domainOrder(id)); o.Status() != order.StatusConfirmed {
			t.Fatalf("%s %s, want confirmed", id, o.Status())
		}
	}
	if p := w.payment("o-cod"); p.Method() != payment.COD || p.Status() != payment.StatusInitiated {
		t.Fatalf("cod payment %s %s", p.Method(), p.Status())
	}
	if a := w.stock("oud-50"); a.OnHand() != 0 || a.Available() != 0 {
		t.Fatalf("on hand %d", a.OnHand())
	}
	if wl := w.wallet("c-2"); wl.Spendable().Amount() != 1000_00-total {
		t.Fatalf("spendable %v", wl.Spendable())
	}
	w.replay(m)
}

func TestCheckoutExpiredReservationCancelsAndLateCaptureIsRefunded(t *testing.T) {
	w := newWorld(t, nil)
	gw := &fakeGateway{}
	m := process.NewCheckout(process.Checkout{Deps: w.deps(), Gateway: gw})
	w.receive("oud-50", 1)
	w.mustCheckout("o-1", "c-1", order.PayByCard, 0, "oud-50")
	w.mustPump(m)
	w.clock.Add(20 * 60e9) // past the 15-minute hold
	if _, err := expire(w, "oud-50", process.ReservationID("o-1", 0)); err != nil {
		t.Fatal(err)
	}
	w.mustPump(m)
	if o := w.order("o-1"); o.Status() != order.StatusCancelled {
		t.Fatalf("order %s", o.Status())
	}
	if p := w.payment("o-1"); p.Status() != payment.StatusCancelled {
		t.Fatalf("payment %s, want cancelled", p.Status())
	}
	if _, c, _ := gw.counts(); c != 1 {
		t.Fatalf("gateway cancels %d", c)
	}
	if a := w.stock("oud-50"); a.Available() != 1 {
		t.Fatalf("available %d", a.Available())
	}
	w.replay(m)
}
