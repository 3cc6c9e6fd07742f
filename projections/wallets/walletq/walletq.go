package walletq

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"
)

// The view's tables.
const (
	TableWallets   = "wallets"
	TableStatement = "wallet_statement"
)

// Money is an amount of minor units in a currency.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Balance is a wallet's position.
type Balance struct {
	WalletID        string    `json:"wallet_id"`
	CustomerID      string    `json:"customer_id"`
	Available       Money     `json:"available"`
	Held            Money     `json:"held"`             // set aside for checkouts not yet paid
	CashbackPending Money     `json:"cashback_pending"` // earned, spendable after the return window
	OpenedAt        time.Time `json:"opened_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Entry is one line of the statement: what changed and the balances after.
type Entry struct {
	Revision        uint64    `json:"revision"`
	At              time.Time `json:"at"`
	Type            string    `json:"type"`
	Reference       string    `json:"reference"`
	Amount          Money     `json:"amount"`           // change of available (signed)
	Available       Money     `json:"available"`        // running balance after this line
	Held            Money     `json:"held"`             // after this line
	CashbackPending Money     `json:"cashback_pending"` // after this line
}

// Key is a place in a statement, newest first.
type Key struct {
	Revision uint64 `json:"r"`
}

// Reader reads the view. It is safe for concurrent use.
type Reader struct {
	db             *sql.DB
	get, statement string
}

// New returns a reader over db; rebind rewrites ? parameters for its dialect.
func New(db *sql.DB, rebind func(string) string) *Reader {
	return &Reader{
		db: db,
		get: rebind(`SELECT wallet_id, customer_id, currency, available, held, cashback_pending, opened_at, updated_at
			FROM ` + TableWallets + ` WHERE wallet_id = ?`),
		statement: rebind(`SELECT revision, at, type, reference, amount, available, held, cashback_pending
			FROM ` + TableStatement + ` WHERE wallet_id = ? AND revision < ? ORDER BY revision DESC LIMIT ?`),
	}
}

// Get reads a wallet's balances; an unknown wallet is sql.ErrNoRows.
func (r *Reader) Get(ctx context.Context, id string) (Balance, error) {
	var b Balance
	var cur string
	var opened, updated int64
	err := r.db.QueryRowContext(ctx, r.get, id).Scan(&b.WalletID, &b.CustomerID, &cur, &b.Available.Amount, &b.Held.Amount,
		&b.CashbackPending.Amount, &opened, &updated)
	if err != nil {
		return b, fmt.Errorf("walletq: get %s: %w", id, err)
	}
	b.Available.Currency, b.Held.Currency, b.CashbackPending.Currency = cur, cur, cur
	b.OpenedAt, b.UpdatedAt = time.Unix(0, opened).UTC(), time.Unix(0, updated).UTC()
	return b, nil
}

// Statement reads up to limit lines of a wallet after key (nil: the
// newest), in the wallet's currency, and the key of the next page.
func (r *Reader) Statement(ctx context.Context, id, currency string, after *Key, limit int) ([]Entry, *Key, error) {
	below := int64(math.MaxInt64)
	if after != nil {
		below = int64(after.Revision)
	}
	rows, err := r.db.QueryContext(ctx, r.statement, id, below, limit+1)
	if err != nil {
		return nil, nil, fmt.Errorf("walletq: statement of %s: %w", id, err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		if err := rows.Scan(&e.Revision, &at, &e.Type, &e.Reference, &e.Amount.Amount, &e.Available.Amount, &e.Held.Amount, &e.CashbackPending.Amount); err != nil {
			return nil, nil, fmt.Errorf("walletq: statement of %s: %w", id, err)
		}
		e.At = time.Unix(0, at).UTC()
		e.Amount.Currency, e.Available.Currency, e.Held.Currency, e.CashbackPending.Currency = currency, currency, currency, currency
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("walletq: statement of %s: %w", id, err)
	}
	if len(out) <= limit {
		return out, nil, nil
	}
	out = out[:limit]
	return out, &Key{Revision: out[limit-1].Revision}, nil
}
