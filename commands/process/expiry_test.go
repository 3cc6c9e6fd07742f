package process_test

import (
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/process"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
)

func TestExpirySweepsDueReservationsOnceAndCheckoutCancels(t *testing.T) {
	w := newWorld(t, nil)
	co := process.NewCheckout(process.Checkout{Deps: w.deps(), Gateway: &fakeGateway{}, ReservationTTL: 10 * time.Minute})
	x := process.NewExpiry(w.deps(), 0)
	w.receive("oud-50", 2)
	w.mustCheckout("o-late", "c-1", order.PayByCard, 0, "oud-50")
	w.mustPump(co)
	w.mustPump(x)
	if n, err := x.Sweep(w.ctx); err != nil || n != 0 {
		t.Fatalf("sweep before due: %d, %v", n, err)
	}
	w.clock.Add(10 * time.Minute)
	if n, err := x.Sweep(w.ctx); err != nil || n != 1 {
		t.Fatalf("sweep when due: %d, %v", n, err)
	}
	reserved, _ := w.firstOf("inventory-oud-50@main", inventory.TypeReserved)
	exp, ok := w.firstOf("inventory-oud-50@main", inventory.TypeReservationExpired)
	if !ok || exp.Metadata.CommandID != commands.DeriveID(reserved.ID, "expire") || exp.Metadata.CausationID != reserved.ID {
		t.Fatalf("expired %v with %+v", ok, exp.Metadata)
	}
	// A second sweeper (or this one before it saw the expiry) issues the
	// same command: nothing new is written.
	again := process.NewExpiry(w.deps(), 0)
	w.mustPump(again)
	before := w.head()
	if n, err := again.Sweep(w.ctx); err != nil || n != 0 || w.head() != before {
		t.Fatalf("repeated sweep: %d, %v", n, err)
	}
	w.mustPump(co)
	if o := w.order("o-late"); o.Status() != order.StatusCancelled {
		t.Fatalf("order %s, want cancelled", o.Status())
	}
	if a := w.stock("oud-50"); a.Available() != 2 {
		t.Fatalf("available %d", a.Available())
	}
}
