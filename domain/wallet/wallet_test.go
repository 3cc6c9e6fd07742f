package wallet_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/domaintest"
	"github.com/souq-market/souq/domain/wallet"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func aed(t testing.TB, n int64) domain.Money { return domaintest.Money(t, n, domain.AED) }

func entries(t testing.TB, n int64, from, to wallet.Account) []wallet.Entry {
	return []wallet.Entry{{Account: from, Amount: aed(t, -n)}, {Account: to, Amount: aed(t, n)}}
}

func opened() wallet.Opened {
	return wallet.Opened{WalletID: "w-1", CustomerID: "c-1", Currency: domain.AED, At: t0}
}

func given(events ...domain.Event) *wallet.Wallet {
	w := wallet.New("w-1")
	for _, e := range events {
		w.Apply(e)
	}
	return w
}

func topUp(t testing.TB, ref string, n int64) wallet.Credited {
	return wallet.Credited{Reference: ref, Source: wallet.SourceTopUp, Amount: aed(t, n), Entries: entries(t, n, wallet.TopUps, wallet.Available), At: t0}
}

func placed(t testing.TB, id wallet.HoldID, n int64) wallet.HoldPlaced {
	return wallet.HoldPlaced{HoldID: id, OrderID: "o-1", Amount: aed(t, n), Entries: entries(t, n, wallet.Available, wallet.Held), At: t0}
}

func TestOpen(t *testing.T) {
	w := given()
	if err := w.Open(wallet.Open{CustomerID: "c-1", Currency: domain.AED}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, w.Changes(), opened())

	w = given(opened())
	if err := w.Open(wallet.Open{CustomerID: "c-1", Currency: domain.AED}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, w.Changes())
	err := w.Open(wallet.Open{CustomerID: "c-2", Currency: domain.AED}, t0)
	domaintest.Refused(t, err, w.Changes(), domain.Conflict, wallet.CodeAlreadyOpened)
	err = given().Open(wallet.Open{Currency: "XXX"}, t0)
	domaintest.Problems(t, err, "customer_id", "currency")
}

func TestCredit(t *testing.T) {
	w := given(opened())
	if err := w.Credit(wallet.Credit{Reference: "topup-1", Source: wallet.SourceTopUp, Amount: aed(t, 5000)}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, w.Changes(), topUp(t, "topup-1", 5000))
	if w.Spendable() != aed(t, 5000) || w.Balance(wallet.TopUps) != aed(t, -5000) {
		t.Fatal(w.Spendable())
	}

	w = given(opened(), topUp(t, "topup-1", 5000))
	if err := w.Credit(wallet.Credit{Reference: "topup-1", Source: wallet.SourceTopUp, Amount: aed(t, 5000)}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, w.Changes()) // a retry
	err := w.Credit(wallet.Credit{Reference: "topup-1", Source: wallet.SourceTopUp, Amount: aed(t, 4000)}, t0)
	domaintest.Refused(t, err, w.Changes(), domain.Conflict, wallet.CodeReferenceReused)

	err = w.Credit(wallet.Credit{Reference: "r 1", Source: "gift", Amount: domaintest.Money(t, 5, domain.SAR)}, t0)
	domaintest.Problems(t, err, "reference", "source", "amount")

	err = given().Credit(wallet.Credit{Reference: "x", Source: wallet.SourceRefund, Amount: aed(t, 1)}, t0)
	domaintest.Refused(t, err, nil, domain.NotFound, wallet.CodeNotOpened)

	w = given(opened())
	if err := w.Credit(wallet.Credit{Reference: "refund-1", Source: wallet.SourceRefund, Amount: aed(t, 100)}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, w.Changes(), wallet.Credited{Reference: "refund-1", Source: wallet.SourceRefund, Amount: aed(t, 100), Entries: entries(t, 100, wallet.Refunds, wallet.Available), At: t0})
}

func TestDebit(t *testing.T) {
	w := given(opened(), topUp(t, "t1", 100))
	if err := w.Debit(wallet.Debit{Reference: "d1", Amount: aed(t, 60), Reason: "duplicate top-up"}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, w.Changes(), wallet.Debited{Reference: "d1", Amount: aed(t, 60), Reason: "duplicate top-up", Entries: entries(t, 60, wallet.Available, wallet.Corrections), At: t0})
	err := w.Debit(wallet.Debit{Reference: "d2", Amount: aed(t, 41), Reason: "x"}, t0)
	domaintest.Refused(t, err, w.Changes()[1:], domain.Conflict, wallet.CodeInsufficientFunds)
}

func TestHolds(t *testing.T) {
	w := given(opened(), topUp(t, "t1", 100))
	if err := w.PlaceHold(wallet.PlaceHold{HoldID: "h1", OrderID: "o-1", Amount: aed(t, 70)}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, w.Changes(), placed(t, "h1", 70))
	if w.Spendable() != aed(t, 30) || w.Balance(wallet.Held) != aed(t, 70) {
		t.Fatal(w.Spendable())
	}

	t.Run("more than available", func(t *testing.T) {
		w := given(opened(), topUp(t, "t1", 100), placed(t, "h1", 70))
		err := w.PlaceHold(wallet.PlaceHold{HoldID: "h2", OrderID: "o-2", Amount: aed(t, 31)}, t0)
		domaintest.Refused(t, err, w.Changes(), domain.Conflict, wallet.CodeInsufficientFunds)
	})
	t.Run("retry and reuse", func(t *testing.T) {
		w := given(opened(), topUp(t, "t1", 100), placed(t, "h1", 70))
		if err := w.PlaceHold(wallet.PlaceHold{HoldID: "h1", OrderID: "o-1", Amount: aed(t, 70)}, t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, w.Changes())
		err := w.PlaceHold(wallet.PlaceHold{HoldID: "h1", OrderID: "o-1", Amount: aed(t, 10)}, t0)
		domaintest.Refused(t, err, w.Changes(), domain.Conflict, wallet.CodeReferenceReused)
	})
	t.Run("post", func(t *testing.T) {
		w := given(opened(), topUp(t, "t1", 100), placed(t, "h1", 70))
		if err := w.PostHold(wallet.PostHold{HoldID: "h1"}, t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, w.Changes(), wallet.HoldPosted{HoldID: "h1", Amount: aed(t, 70), Entries: entries(t, 70, wallet.Held, wallet.Orders), At: t0})
		if w.Balance(wallet.Held) != aed(t, 0) || w.Spendable() != aed(t, 30) {
			t.Fatal(w.Balance(wallet.Held))
		}
		w = given(opened(), topUp(t, "t1", 100), placed(t, "h1", 70), w.Changes()[0])
		if err := w.PostHold(wallet.PostHold{HoldID: "h1"}, t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, w.Changes())
		err := w.VoidHold(wallet.VoidHold{HoldID: "h1"}, t0)
		domaintest.Refused(t, err, w.Changes(), domain.Conflict, wallet.CodeHoldEnded)
	})
	t.Run("void", func(t *testing.T) {
		w := given(opened(), topUp(t, "t1", 100), placed(t, "h1", 70))
		if err := w.VoidHold(wallet.VoidHold{HoldID: "h1"}, t0); err != nil {
			t.Fatal(err)
		}
		domaintest.Then(t, w.Changes(), wallet.HoldVoided{HoldID: "h1", Amount: aed(t, 70), Entries: entries(t, 70, wallet.Held, wallet.Available), At: t0})
		if w.Spendable() != aed(t, 100) {
			t.Fatal(w.Spendable())
		}
		w = given(opened(), topUp(t, "t1", 100), placed(t, "h1", 70), w.Changes()[0])
		err := w.PostHold(wallet.PostHold{HoldID: "h1"}, t0)
		domaintest.Refused(t, err, w.Changes(), domain.Conflict, wallet.CodeHoldEnded)
	})
	t.Run("unknown", func(t *testing.T) {
		err := given(opened()).PostHold(wallet.PostHold{HoldID: "nope"}, t0)
		domaintest.Refused(t, err, nil, domain.NotFound, wallet.CodeHoldNotFound)
	})
}

func TestCashbackSpendableOnlyAfterItsTime(t *testing.T) {
	spendable := t0.Add(14 * 24 * time.Hour)
	earned := wallet.CashbackEarned{Reference: "cb-o1", OrderID: "o-1", Amount: aed(t, 500), SpendableAt: spendable, Entries: entries(t, 500, wallet.Cashback, wallet.CashbackPending), At: t0}

	w := given(opened())
	if err := w.EarnCashback(wallet.EarnCashback{Reference: "cb-o1", OrderID: "o-1", Amount: aed(t, 500), SpendableAt: spendable}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, w.Changes(), earned)
	if !w.Spendable().IsZero() || w.Balance(wallet.CashbackPending) != aed(t, 500) {
		t.Fatal("cashback must not be spendable yet")
	}
	// Not spendable: a hold on it is refused.
	err := w.PlaceHold(wallet.PlaceHold{HoldID: "h1", OrderID: "o-2", Amount: aed(t, 1)}, t0)
	domaintest.Refused(t, err, nil, domain.Conflict, wallet.CodeInsufficientFunds)

	w = given(opened(), earned)
	err = w.ReleaseCashback(wallet.ReleaseCashback{Reference: "cb-o1"}, spendable.Add(-time.Second))
	domaintest.Refused(t, err, w.Changes(), domain.Conflict, wallet.CodeCashbackNotDue)
	if due := w.DueCashback(spendable); len(due) != 1 {
		t.Fatalf("due %v", due)
	}
	if err := w.ReleaseCashback(wallet.ReleaseCashback{Reference: "cb-o1"}, spendable); err != nil {
		t.Fatal(err)
	}
	released := wallet.CashbackReleased{Reference: "cb-o1", Amount: aed(t, 500), Entries: entries(t, 500, wallet.CashbackPending, wallet.Available), At: spendable}
	domaintest.Then(t, w.Changes(), released)
	if w.Spendable() != aed(t, 500) {
		t.Fatal(w.Spendable())
	}

	w = given(opened(), earned, released)
	if err := w.ReleaseCashback(wallet.ReleaseCashback{Reference: "cb-o1"}, spendable); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, w.Changes())
	err = w.CancelCashback(wallet.CancelCashback{Reference: "cb-o1"}, spendable)
	domaintest.Refused(t, err, w.Changes(), domain.Conflict, wallet.CodeCashbackEnded)

	w = given(opened(), earned)
	if err := w.CancelCashback(wallet.CancelCashback{Reference: "cb-o1", Reason: "returned"}, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, w.Changes(), wallet.CashbackCancelled{Reference: "cb-o1", Amount: aed(t, 500), Reason: "returned", Entries: entries(t, 500, wallet.CashbackPending, wallet.Cashback), At: t0})
	err = given(opened()).ReleaseCashback(wallet.ReleaseCashback{Reference: "none"}, t0)
	domaintest.Refused(t, err, nil, domain.NotFound, wallet.CodeCashbackNotFound)
	err = given(opened(), earned).EarnCashback(wallet.EarnCashback{Reference: "cb-o1", OrderID: "o-1", Amount: aed(t, 501), SpendableAt: spendable}, t0)
	domaintest.Refused(t, err, nil, domain.Conflict, wallet.CodeReferenceReused)
}

// TestRandomSequences checks after every step of long random sequences that
// every posting balances, the books sum to zero, no customer account is
// negative, and replay rebuilds the same balances.
func TestRandomSequences(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		w := given(opened())
		now := t0
		var holds []wallet.HoldID
		var cashbacks []string
		for step := range 500 {
			now = now.Add(time.Duration(r.IntN(48)) * time.Hour)
			amount := aed(t, 1+r.Int64N(5000))
			ref := fmt.Sprintf("ref-%d", step)
			pick := func(n int) int { return r.IntN(max(n, 1)) }
			switch r.IntN(8) {
			case 0:
				_ = w.Credit(wallet.Credit{Reference: ref, Source: wallet.SourceTopUp, Amount: amount}, now)
			case 1:
				_ = w.Debit(wallet.Debit{Reference: ref, Amount: amount, Reason: "fix"}, now)
			case 2, 3:
				id := wallet.HoldID(ref)
				if w.PlaceHold(wallet.PlaceHold{HoldID: id, OrderID: "o", Amount: amount}, now) == nil {
					holds = append(holds, id)
				}
			case 4:
				if len(holds) > 0 {
					_ = w.PostHold(wallet.PostHold{HoldID: holds[pick(len(holds))]}, now)
				}
			case 5:
				if len(holds) > 0 {
					_ = w.VoidHold(wallet.VoidHold{HoldID: holds[pick(len(holds))]}, now)
				}
			case 6:
				if w.EarnCashback(wallet.EarnCashback{Reference: ref, OrderID: "o", Amount: amount, SpendableAt: now.Add(72 * time.Hour)}, now) == nil {
					cashbacks = append(cashbacks, ref)
				}
			case 7:
				if len(cashbacks) > 0 {
					ref := cashbacks[pick(len(cashbacks))]
					if r.IntN(2) == 0 {
						_ = w.ReleaseCashback(wallet.ReleaseCashback{Reference: ref}, now)
					} else {
						_ = w.CancelCashback(wallet.CancelCashback{Reference: ref}, now)
					}
				}
			}
			var books int64
			for _, a := range wallet.Accounts() {
				books += w.Balance(a).Amount()
			}
			if books != 0 {
				t.Fatalf("seed %d step %d: books sum to %d", seed, step, books)
			}
			for _, a := range []wallet.Account{wallet.Available, wallet.Held, wallet.CashbackPending} {
				if w.Balance(a).IsNegative() {
					t.Fatalf("seed %d step %d: %s is %v", seed, step, a, w.Balance(a))
				}
			}
		}
		changes := w.Changes()
		for _, e := range changes {
			var es []wallet.Entry
			switch e := e.(type) {
			case wallet.Credited:
				es = e.Entries
			case wallet.Debited:
				es = e.Entries
			case wallet.HoldPlaced:
				es = e.Entries
			case wallet.HoldPosted:
				es = e.Entries
			case wallet.HoldVoided:
				es = e.Entries
			case wallet.CashbackEarned:
				es = e.Entries
			case wallet.CashbackReleased:
				es = e.Entries
			case wallet.CashbackCancelled:
				es = e.Entries
			}
			var sum int64
			for _, x := range es {
				sum += x.Amount.Amount()
			}
			if len(es) < 2 || sum != 0 {
				t.Fatalf("seed %d: unbalanced posting %+v", seed, e)
			}
		}
		replay := given(append([]domain.Event{opened()}, changes...)...)
		for _, a := range wallet.Accounts() {
			if replay.Balance(a) != w.Balance(a) {
				t.Fatalf("seed %d: replayed %s = %v, live %v", seed, a, replay.Balance(a), w.Balance(a))
			}
		}
	}
}

func TestGolden(t *testing.T) {
	at := t0
	samples := []domain.Event{
		opened(),
		topUp(t, "topup-1", 5000),
		wallet.Debited{Reference: "fix-1", Amount: aed(t, 100), Reason: "duplicate", Entries: entries(t, 100, wallet.Available, wallet.Corrections), At: at},
		wallet.CashbackEarned{Reference: "cb-o1", OrderID: "o-1", Amount: aed(t, 250), SpendableAt: at.Add(336 * time.Hour), Entries: entries(t, 250, wallet.Cashback, wallet.CashbackPending), At: at},
		wallet.CashbackReleased{Reference: "cb-o1", Amount: aed(t, 250), Entries: entries(t, 250, wallet.CashbackPending, wallet.Available), At: at},
		wallet.CashbackCancelled{Reference: "cb-o1", Amount: aed(t, 250), Reason: "returned", Entries: entries(t, 250, wallet.CashbackPending, wallet.Cashback), At: at},
		placed(t, "h1", 700),
		wallet.HoldPosted{HoldID: "h1", Amount: aed(t, 700), Entries: entries(t, 700, wallet.Held, wallet.Orders), At: at},
		wallet.HoldVoided{HoldID: "h1", Amount: aed(t, 700), Entries: entries(t, 700, wallet.Held, wallet.Available), At: at},
	}
	domaintest.Covers(t, wallet.Events(), samples)
	domaintest.Golden(t, samples...)
}
