package inventory_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/domaintest"
	"github.com/souq-market/souq/domain/inventory"
)

var (
	t0  = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	exp = t0.Add(15 * time.Minute)
)

const (
	sku = domain.SKU("oud-royal-50ml")
	loc = domain.LocationID("dxb-1")
)

func given(events ...domain.Event) *inventory.Inventory {
	a := inventory.New(sku, loc)
	for _, e := range events {
		a.Apply(e)
	}
	return a
}

func received(n int64) inventory.Received {
	return inventory.Received{SKU: sku, Location: loc, Quantity: n, At: t0}
}

func reserved(id inventory.ReservationID, n int64) inventory.Reserved {
	return inventory.Reserved{SKU: sku, Location: loc, ReservationID: id, OrderID: "o-1", Quantity: n, ExpiresAt: exp, At: t0}
}

func reserve(id inventory.ReservationID, n int64) inventory.Reserve {
	return inventory.Reserve{SKU: sku, Location: loc, ReservationID: id, OrderID: "o-1", Quantity: n, ExpiresAt: exp}
}

func TestReceive(t *testing.T) {
	a := given()
	if err := a.Receive(inventory.Receive{SKU: sku, Location: loc, Quantity: 10}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, a.Changes(), received(10))
	if a.OnHand() != 10 || a.Available() != 10 || a.Version() != 0 {
		t.Fatalf("on hand %d available %d version %d", a.OnHand(), a.Available(), a.Version())
	}

	a = given()
	err := a.Receive(inventory.Receive{SKU: "other", Location: "", Quantity: 0}, t0)
	domaintest.Problems(t, err, "sku", "location", "quantity")
	domaintest.Refused(t, err, a.Changes(), domain.Invalid, domain.CodeInvalidCommand)

	a = given(received(inventory.MaxQuantity))
	err = a.Receive(inventory.Receive{SKU: sku, Location: loc, Quantity: 1}, t0)
	domaintest.Refused(t, err, a.Changes(), domain.Conflict, inventory.CodeStockLimit)
}

func TestAdjust(t *testing.T) {
	a := given(received(10), reserved("r1", 4))
	if err := a.Adjust(inventory.Adjust{SKU: sku, Location: loc, Delta: -6, Reason: inventory.ReasonDamaged, Note: "leaked"}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, a.Changes(), inventory.Adjusted{SKU: sku, Location: loc, Delta: -6, Reason: inventory.ReasonDamaged, Note: "leaked", At: t0})
	if a.OnHand() != 4 || a.Available() != 0 || a.Version() != 2 {
		t.Fatalf("on hand %d available %d version %d", a.OnHand(), a.Available(), a.Version())
	}

	a = given(received(10), reserved("r1", 4))
	err := a.Adjust(inventory.Adjust{SKU: sku, Location: loc, Delta: -7, Reason: inventory.ReasonLost}, t0)
	domaintest.Refused(t, err, a.Changes(), domain.Conflict, inventory.CodeAdjustBelowReserved)

	err = a.Adjust(inventory.Adjust{SKU: sku, Location: loc, Delta: 0, Reason: "stolen"}, t0)
	domaintest.Problems(t, err, "delta", "reason")
}

func TestReserve(t *testing.T) {
	a := given(received(5))
	if err := a.Reserve(reserve("r1", 3), t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, a.Changes(), reserved("r1", 3))
	if a.Available() != 2 || a.Reserved() != 3 || a.OnHand() != 5 {
		t.Fatalf("available %d reserved %d", a.Available(), a.Reserved())
	}

	t.Run("retry changes nothing", func(t *testing.T) {
		a := given(received(5), reserved("r1", 3))
		if err := a.Reserve(reserve("r1", 3), t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, a.Changes())
	})
	t.Run("same id other quantity", func(t *testing.T) {
		a := given(received(5), reserved("r1", 3))
		err := a.Reserve(reserve("r1", 2), t0)
		domaintest.Refused(t, err, a.Changes(), domain.Conflict, inventory.CodeReservationConflict)
	})
	t.Run("more than available", func(t *testing.T) {
		a := given(received(5), reserved("r1", 3))
		err := a.Reserve(reserve("r2", 3), t0)
		domaintest.Refused(t, err, a.Changes(), domain.Conflict, inventory.CodeInsufficientStock)
	})
	t.Run("invalid", func(t *testing.T) {
		a := given(received(5))
		err := a.Reserve(inventory.Reserve{SKU: sku, Location: loc, Quantity: -1, ExpiresAt: t0}, t0)
		domaintest.Problems(t, err, "reservation_id", "order_id", "quantity", "expires_at")
	})
}

func TestCommit(t *testing.T) {
	a := given(received(5), reserved("r1", 3))
	if err := a.Commit(inventory.Commit{ReservationID: "r1"}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, a.Changes(), inventory.ReservationCommitted{SKU: sku, Location: loc, ReservationID: "r1", Quantity: 3, At: t0})
	if a.OnHand() != 2 || a.Reserved() != 0 || a.Available() != 2 {
		t.Fatalf("on hand %d reserved %d", a.OnHand(), a.Reserved())
	}
	t.Run("twice is a retry", func(t *testing.T) {
		a := given(received(5), reserved("r1", 3), inventory.ReservationCommitted{ReservationID: "r1", Quantity: 3})
		if err := a.Commit(inventory.Commit{ReservationID: "r1"}, t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, a.Changes())
	})
	t.Run("after expiry time but before Expire", func(t *testing.T) {
		a := given(received(5), reserved("r1", 3))
		if err := a.Commit(inventory.Commit{ReservationID: "r1"}, exp.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("released", func(t *testing.T) {
		a := given(received(5), reserved("r1", 3), inventory.ReservationReleased{ReservationID: "r1", Quantity: 3})
		err := a.Commit(inventory.Commit{ReservationID: "r1"}, t0)
		domaintest.Refused(t, err, a.Changes(), domain.Conflict, inventory.CodeReservationEnded)
	})
	t.Run("expired", func(t *testing.T) {
		a := given(received(5), reserved("r1", 3), inventory.ReservationExpired{ReservationID: "r1", Quantity: 3})
		err := a.Commit(inventory.Commit{ReservationID: "r1"}, t0)
		domaintest.Refused(t, err, a.Changes(), domain.Conflict, inventory.CodeReservationEnded)
	})
	t.Run("unknown", func(t *testing.T) {
		a := given(received(5))
		err := a.Commit(inventory.Commit{ReservationID: "nope"}, t0)
		domaintest.Refused(t, err, a.Changes(), domain.NotFound, inventory.CodeReservationNotFound)
	})
}

func TestRelease(t *testing.T) {
	a := given(received(5), reserved("r1", 3))
	if err := a.Release(inventory.Release{ReservationID: "r1", Reason: "payment failed"}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, a.Changes(), inventory.ReservationReleased{SKU: sku, Location: loc, ReservationID: "r1", Quantity: 3, Reason: "payment failed", At: t0})
	if a.Available() != 5 || a.OnHand() != 5 {
		t.Fatal(a.Available())
	}
	for _, end := range []domain.Event{
		inventory.ReservationReleased{ReservationID: "r1", Quantity: 3},
		inventory.ReservationExpired{ReservationID: "r1", Quantity: 3},
	} {
		a := given(received(5), reserved("r1", 3), end)
		if err := a.Release(inventory.Release{ReservationID: "r1"}, t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, a.Changes())
	}
	a = given(received(5), reserved("r1", 3), inventory.ReservationCommitted{ReservationID: "r1", Quantity: 3})
	err := a.Release(inventory.Release{ReservationID: "r1"}, t0)
	domaintest.Refused(t, err, a.Changes(), domain.Conflict, inventory.CodeReservationEnded)
}

func TestExpire(t *testing.T) {
	a := given(received(5), reserved("r1", 3))
	err := a.Expire(inventory.Expire{ReservationID: "r1"}, exp.Add(-time.Second))
	domaintest.Refused(t, err, a.Changes(), domain.Conflict, inventory.CodeReservationNotDue)
	if due := a.Due(exp); len(due) != 1 || due[0] != "r1" {
		t.Fatalf("due %v", due)
	}
	if err := a.Expire(inventory.Expire{ReservationID: "r1"}, exp); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, a.Changes(), inventory.ReservationExpired{SKU: sku, Location: loc, ReservationID: "r1", Quantity: 3, At: exp})
	if a.Available() != 5 || len(a.Due(exp)) != 0 {
		t.Fatal(a.Available())
	}
	// The timer lost the race against payment: nothing happens.
	a = given(received(5), reserved("r1", 3), inventory.ReservationCommitted{ReservationID: "r1", Quantity: 3})
	if err := a.Expire(inventory.Expire{ReservationID: "r1"}, exp); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, a.Changes())
}

// TestRandomSequences drives long random command sequences and checks the
// invariants after every step: nothing is ever oversold, available = on hand
// − reserved ≥ 0, reserved is the sum of active holds, and replaying the
// raised events rebuilds the same state.
func TestRandomSequences(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 42))
		a := inventory.New(sku, loc)
		var ids []inventory.ReservationID
		now := t0
		for step := range 500 {
			now = now.Add(time.Duration(r.IntN(300)) * time.Second)
			var id inventory.ReservationID
			if len(ids) > 0 {
				id = ids[r.IntN(len(ids))]
			}
			switch r.IntN(6) {
			case 0:
				_ = a.Receive(inventory.Receive{SKU: sku, Location: loc, Quantity: 1 + r.Int64N(5)}, now)
			case 1:
				_ = a.Adjust(inventory.Adjust{SKU: sku, Location: loc, Delta: r.Int64N(11) - 6, Reason: inventory.ReasonRecount}, now)
			case 2:
				id = inventory.ReservationID("r" + string(rune('a'+step%26)) + string(rune('a'+step/26%26)))
				if a.Reserve(inventory.Reserve{SKU: sku, Location: loc, ReservationID: id, OrderID: "o", Quantity: 1 + r.Int64N(4), ExpiresAt: now.Add(10 * time.Minute)}, now) == nil {
					ids = append(ids, id)
				}
			case 3:
				_ = a.Commit(inventory.Commit{ReservationID: id}, now)
			case 4:
				_ = a.Release(inventory.Release{ReservationID: id}, now)
			case 5:
				_ = a.Expire(inventory.Expire{ReservationID: id}, now)
			}
			var active int64
			for _, id := range ids {
				if res, _ := a.Reservation(id); res.Status == inventory.Active {
					active += res.Quantity
				}
			}
			if a.OnHand() < 0 || a.Reserved() < 0 || a.Available() < 0 || a.Available() != a.OnHand()-a.Reserved() || a.Reserved() != active {
				t.Fatalf("seed %d step %d: on hand %d reserved %d available %d active %d", seed, step, a.OnHand(), a.Reserved(), a.Available(), active)
			}
		}
		replay := given(a.Changes()...)
		if replay.OnHand() != a.OnHand() || replay.Reserved() != a.Reserved() || replay.Version() != uint64(len(a.Changes())) {
			t.Fatalf("seed %d: replay gives %d/%d, live %d/%d", seed, replay.OnHand(), replay.Reserved(), a.OnHand(), a.Reserved())
		}
	}
}

func TestGolden(t *testing.T) {
	samples := []domain.Event{
		received(10),
		inventory.Adjusted{SKU: sku, Location: loc, Delta: -2, Reason: inventory.ReasonDamaged, Note: "cap broken", At: t0},
		reserved("r1", 3),
		inventory.ReservationCommitted{SKU: sku, Location: loc, ReservationID: "r1", Quantity: 3, At: t0},
		inventory.ReservationReleased{SKU: sku, Location: loc, ReservationID: "r1", Quantity: 3, Reason: "cancelled", At: t0},
		inventory.ReservationExpired{SKU: sku, Location: loc, ReservationID: "r1", Quantity: 3, At: exp},
	}
	domaintest.Covers(t, inventory.Events(), samples)
	domaintest.Golden(t, samples...)
}
