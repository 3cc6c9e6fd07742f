package process_test

import (
	"testing"
	"time"

	"github.com/souq-market/souq/commands/process"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/internal/sandbox"
)

// The embedded sandbox settles on its own: a checkout confirms; a declined
// one (the documented magic customer) releases its stock and voids its hold.
func TestSandboxCheckoutConfirmsAndDeclineUndoes(t *testing.T) {
	w := newWorld(t, nil)
	gw := sandbox.New(sandbox.Options{Exec: w.exec, Now: w.clock.Now, Delay: time.Millisecond})
	defer gw.Close()
	m := process.NewCheckout(process.Checkout{Deps: w.deps(), Gateway: gw})
	w.receive("oud-50", 2)
	decliner := domain.CustomerID(sandbox.DeclinePrefix + "-1")
	w.openWallet(decliner, 20_00)
	w.mustCheckout("o-ok", "c-1", order.PayByCard, 0, "oud-50")
	w.mustCheckout("o-no", decliner, order.PayByCard, 20_00, "oud-50")
	deadline := time.Now().Add(20 * time.Second)
	for {
		w.mustPump(m)
		ok, no := w.order("o-ok").Status(), w.order("o-no").Status()
		if ok == order.StatusConfirmed && no == order.StatusCancelled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("o-ok %s, o-no %s", ok, no)
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.mustPump(m)
	if p := w.payment("o-no"); p.Status() != payment.StatusFailed {
		t.Fatalf("declined payment %s", p.Status())
	}
	if a := w.stock("oud-50"); a.OnHand() != 1 || a.Available() != 1 {
		t.Fatalf("on hand %d, available %d; want 1, 1", a.OnHand(), a.Available())
	}
	wl := w.wallet(decliner)
	if st, _ := wl.HoldStatus(process.HoldID("o-no")); st != wallet.Voided || wl.Spendable() != aed(20_00) {
		t.Fatalf("hold %s, spendable %v", st, wl.Spendable())
	}
	w.replay(m)
}
