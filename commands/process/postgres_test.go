package process_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/souq-market/souq/commands/process"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/eventstore/postgres"
	"github.com/souq-market/souq/internal/sandbox"
	"github.com/souq-market/souq/internal/testenv/pgtest"
)

func openPostgres(t *testing.T) *postgres.Store {
	t.Helper()
	url, schema := pgtest.Schema(t, "process_test")
	st, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema, MaxConns: 24})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() }) // before pgtest drops the schema
	return st
}

// runInstances runs n independent copies of the checkout manager, each
// with its own sandbox gateway and its own position, all following the
// same store from the start: every event is handled n times, concurrently,
// as by two runners or a runner redelivering after a crash.
//
// stop waits until every instance has handled everything in the store
// (the head no longer moves), then stops them.
func runInstances(t *testing.T, w *world, n int) (stop func()) {
	ctx, cancel := context.WithCancel(w.ctx)
	var wg sync.WaitGroup
	positions := make([]atomic.Uint64, n)
	for i := range n {
		gw := sandbox.New(sandbox.Options{Exec: w.exec, Now: w.clock.Now, Delay: 5 * time.Millisecond})
		d := w.deps()
		d.Logger = quiet
		m := process.NewCheckout(process.Checkout{Deps: d, Gateway: gw, ReservationTTL: time.Hour})
		wg.Go(func() {
			defer gw.Close()
			var pos uint64
			for ctx.Err() == nil {
				events, err := w.store.ReadAll(ctx, eventPos(pos), 256)
				if err == nil && len(events) > 0 {
					if err = m.Handle(ctx, events); err == nil {
						pos = uint64(events[len(events)-1].Position)
						positions[i].Store(pos)
						continue
					}
				}
				if err != nil && ctx.Err() == nil {
					t.Logf("instance %d: %v (redelivering)", i, err)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			defer func() { cancel(); wg.Wait() }()
			for w.ctx.Err() == nil {
				head := uint64(w.head())
				caught := true
				for i := range positions {
					caught = caught && positions[i].Load() == head
				}
				if caught && uint64(w.head()) == head {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// settled waits until every order is confirmed or cancelled.
func settled(t *testing.T, w *world, ids []domain.OrderID) map[order.Status]int {
	t.Helper()
	left := append([]domain.OrderID(nil), ids...)
	out := map[order.Status]int{}
	for len(left) > 0 {
		if w.ctx.Err() != nil {
			t.Fatalf("%d orders still open (e.g. %s: %s)", len(left), left[0], w.order(left[0]).Status())
		}
		var next []domain.OrderID
		for _, id := range left {
			switch s := w.order(id).Status(); s {
			case order.StatusConfirmed, order.StatusCancelled:
				out[s]++
			default:
				next = append(next, id)
			}
		}
		left = next
		if len(left) > 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	return out
}

func TestPostgres200CheckoutsForTenUnits(t *testing.T) {
	w := newWorld(t, openPostgres(t))
	w.receive("oud-last", 10)
	stop := runInstances(t, w, 3)
	defer stop()

	const buyers = 200
	ids := make([]domain.OrderID, buyers)
	errs := make(chan error, buyers)
	var wg sync.WaitGroup
	for i := range buyers {
		ids[i] = domain.OrderID(fmt.Sprintf("o-%03d", i))
		wg.Go(func() {
			_, err := w.checkout(ids[i], domain.CustomerID(fmt.Sprintf("c-%03d", i)), order.PayByCard, 0, "oud-last")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("checkout: %v", err)
		}
	}
	got := settled(t, w, ids)
	stop()
	for _, id := range ids {
		if r, ok := w.firstOf("order-"+string(id), order.TypeCancelled); ok && !containsStr(string(r.Data), "insufficient_stock") {
			t.Logf("%s cancelled: %s (cause %s)", id, r.Data, r.Metadata.CausationID)
		}
	}
	if got[order.StatusConfirmed] != 10 || got[order.StatusCancelled] != 190 {
		t.Fatalf("confirmed %d, cancelled %d; want 10 and 190", got[order.StatusConfirmed], got[order.StatusCancelled])
	}
	a := w.stock("oud-last")
	if a.Available() != 0 || a.OnHand() != 0 || a.Reserved() != 0 {
		t.Fatalf("available %d, on hand %d, reserved %d; want 0, 0, 0", a.Available(), a.OnHand(), a.Reserved())
	}
	for _, id := range ids {
		o := w.order(id)
		if o.Status() == order.StatusConfirmed && !o.IsPaid() {
			t.Fatalf("%s confirmed unpaid", id)
		}
	}
}

func TestPostgresTwoCheckoutsSpendOneWalletBalance(t *testing.T) {
	w := newWorld(t, openPostgres(t))
	w.receive("oud-50", 10)
	w.openWallet("c-1", 150_00)
	stop := runInstances(t, w, 2)
	defer stop()
	total := int64(100_00) // one unit, tax-inclusive, free shipping
	ids := []domain.OrderID{"o-a", "o-b"}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			if _, err := w.checkout(id, "c-1", order.PayByWallet, total, "oud-50"); err != nil {
				t.Errorf("checkout %s: %v", id, err)
			}
		})
	}
	wg.Wait()
	got := settled(t, w, ids)
	stop()
	if got[order.StatusConfirmed] != 1 || got[order.StatusCancelled] != 1 {
		t.Fatalf("confirmed %d, cancelled %d; want 1 and 1", got[order.StatusConfirmed], got[order.StatusCancelled])
	}
	wl := w.wallet("c-1")
	if wl.Spendable() != aed(50_00) || wl.Balance(wallet.Held).Amount() != 0 {
		t.Fatalf("spendable %v, held %v; want 50.00 and 0", wl.Spendable(), wl.Balance(wallet.Held))
	}
	if a := w.stock("oud-50"); a.OnHand() != 9 || a.Available() != 9 {
		for _, s := range []string{"inventory-oud-50@main", "order-o-a", "order-o-b", "wallet-c-1"} {
			for _, r := range w.events(s) {
				t.Logf("%d %s %s %s cause=%s cmd=%s", r.Position, r.StreamID, r.Type, r.Data, r.Metadata.CausationID, r.Metadata.CommandID)
			}
		}
		t.Fatalf("on hand %d, available %d; want 9, 9", a.OnHand(), a.Available())
	}
}
