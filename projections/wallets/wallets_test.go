package wallets_test

import (
	"context"
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/viewtest"
	"github.com/souq-market/souq/projections/wallets"
	"github.com/souq-market/souq/projections/wallets/walletq"
)

func aed(n int64) domain.Money { m, _ := domain.New(n, domain.AED); return m }

// post is a two-sided posting of n from one account to another.
func post(n int64, from, to wallet.Account) []wallet.Entry {
	return []wallet.Entry{{Account: from, Amount: aed(-n)}, {Account: to, Amount: aed(n)}}
}

func TestWalletsView(t *testing.T) {
	viewtest.Each(t, func(t *testing.T, db viewtest.DB) {
		reg := viewtest.Registry(wallet.Events())
		h := viewtest.NewHistory(t, reg)
		at := h.At()
		for _, w := range []string{"w-1", "w-2"} {
			h.Add("wallet-"+w, wallet.Opened{WalletID: domain.WalletID(w), CustomerID: domain.CustomerID("c-" + w[2:]), Currency: domain.AED, At: at})
		}
		h.Add("wallet-w-1", wallet.Credited{Reference: "top-1", Source: wallet.SourceTopUp, Amount: aed(50000), Entries: post(50000, wallet.TopUps, wallet.Available), At: at})
		h.Add("wallet-w-2", wallet.Credited{Reference: "top-2", Source: wallet.SourceTopUp, Amount: aed(700), Entries: post(700, wallet.TopUps, wallet.Available), At: at})
		h.Add("wallet-w-1", wallet.HoldPlaced{HoldID: "h-1", OrderID: "o-1", Amount: aed(20000), Entries: post(20000, wallet.Available, wallet.Held), At: at})
		h.Add("wallet-w-1", wallet.HoldPosted{HoldID: "h-1", Amount: aed(20000), Entries: post(20000, wallet.Held, wallet.Orders), At: at})
		h.Add("wallet-w-1", wallet.HoldPlaced{HoldID: "h-2", OrderID: "o-2", Amount: aed(5000), Entries: post(5000, wallet.Available, wallet.Held), At: at})
		h.Add("wallet-w-1", wallet.CashbackEarned{Reference: "cb-1", OrderID: "o-1", Amount: aed(1000), SpendableAt: at.Add(14 * 24 * time.Hour), Entries: post(1000, wallet.Cashback, wallet.CashbackPending), At: at})
		h.Add("wallet-w-1", wallet.HoldVoided{HoldID: "h-2", Amount: aed(5000), Entries: post(5000, wallet.Held, wallet.Available), At: at})
		h.Add("wallet-w-1", wallet.CashbackReleased{Reference: "cb-1", Amount: aed(1000), Entries: post(1000, wallet.CashbackPending, wallet.Available), At: at})
		h.Add("wallet-w-1", wallet.HoldPlaced{HoldID: "h-3", OrderID: "o-3", Amount: aed(2500), Entries: post(2500, wallet.Available, wallet.Held), At: at})
		h.Add("wallet-w-1", wallet.Debited{Reference: "fix-1", Amount: aed(500), Reason: "correction", Entries: post(500, wallet.Available, wallet.Corrections), At: at})

		viewtest.Prove(t, db, h.Store, func() projections.Projector { return wallets.New(reg) }, func(db viewtest.DB) string {
			return viewtest.Dump(t, db.R,
				`SELECT wallet_id, customer_id, currency, available, held, cashback_pending, opened_at, updated_at FROM wallets ORDER BY wallet_id`,
				`SELECT wallet_id, revision, at, type, reference, amount, available, held, cashback_pending FROM wallet_statement ORDER BY wallet_id, revision`)
		})

		rd := walletq.New(db.R, db.Rebind)
		ctx := context.Background()
		b, err := rd.Get(ctx, "w-1")
		if err != nil {
			t.Fatal(err)
		}
		// 50000 − 20000 − 5000 + 5000 + 1000 − 2500 − 500
		if b.Available.Amount != 28000 || b.Held.Amount != 2500 || b.CashbackPending.Amount != 0 || b.CustomerID != "c-1" || b.Available.Currency != "AED" {
			t.Fatalf("w-1: %+v", b)
		}
		// The statement, newest first, four lines a page: every running
		// balance is the one before it plus the line's amount.
		var all []walletq.Entry
		var after *walletq.Key
		for {
			page, next, err := rd.Statement(ctx, "w-1", "AED", after, 4)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if next == nil {
				break
			}
			after = next
		}
		if len(all) != 9 || all[0].Type != "wallet.debited" || all[0].Available.Amount != 28000 || all[8].Type != "wallet.credited" {
			t.Fatalf("statement: %+v", all)
		}
		for i := 0; i+1 < len(all); i++ {
			if all[i].Available.Amount != all[i+1].Available.Amount+all[i].Amount.Amount {
				t.Fatalf("running balance breaks between lines %d and %d: %+v / %+v", i, i+1, all[i], all[i+1])
			}
		}
		if _, err := rd.Get(ctx, "w-404"); err == nil {
			t.Fatal("an unknown wallet was found")
		}
	})
}
