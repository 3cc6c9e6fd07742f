package stockq

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The view's tables.
const (
	TableStock    = "stock"
	TableOwners   = "stock_owners"   // SKU → vendor
	TableProducts = "stock_products" // product → vendor, for variants added later
)

// Level is a SKU's stock at one location.
type Level struct {
	Location  string    `json:"location"`
	OnHand    int64     `json:"on_hand"`
	Reserved  int64     `json:"reserved"`
	Available int64     `json:"available"` // on hand − reserved
	UpdatedAt time.Time `json:"updated_at"`
}

// SKU is a SKU's stock everywhere.
type SKU struct {
	SKU       string  `json:"sku"`
	VendorID  string  `json:"vendor_id"` // "" until its product is listed
	OnHand    int64   `json:"on_hand"`
	Reserved  int64   `json:"reserved"`
	Available int64   `json:"available"`
	Locations []Level `json:"locations"`
}

// Reader reads the view. It is safe for concurrent use.
type Reader struct {
	db            *sql.DB
	levels, owner string
}

// New returns a reader over db; rebind rewrites ? parameters for its dialect.
func New(db *sql.DB, rebind func(string) string) *Reader {
	return &Reader{
		db:     db,
		levels: rebind(`SELECT location, on_hand, reserved, updated_at FROM ` + TableStock + ` WHERE sku = ? AND (? = '' OR location = ?) ORDER BY location`),
		owner:  rebind(`SELECT vendor_id FROM ` + TableOwners + ` WHERE sku = ?`),
	}
}

// Get reads a SKU's stock (at one location when location is not empty);
// a SKU never received nor listed there is sql.ErrNoRows.
func (r *Reader) Get(ctx context.Context, sku, location string) (SKU, error) {
	tx, err := r.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return SKU{}, fmt.Errorf("stockq: %s: %w", sku, err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	s := SKU{SKU: sku, Locations: []Level{}}
	err = tx.QueryRowContext(ctx, r.owner, sku).Scan(&s.VendorID)
	listed := err == nil
	if err != nil && err != sql.ErrNoRows {
		return SKU{}, fmt.Errorf("stockq: %s: %w", sku, err)
	}
	rows, err := tx.QueryContext(ctx, r.levels, sku, location, location)
	if err != nil {
		return SKU{}, fmt.Errorf("stockq: %s: %w", sku, err)
	}
	defer rows.Close()
	for rows.Next() {
		var l Level
		var at int64
		if err := rows.Scan(&l.Location, &l.OnHand, &l.Reserved, &at); err != nil {
			return SKU{}, fmt.Errorf("stockq: %s: %w", sku, err)
		}
		l.Available, l.UpdatedAt = max(0, l.OnHand-l.Reserved), time.Unix(0, at).UTC()
		s.OnHand, s.Reserved, s.Available = s.OnHand+l.OnHand, s.Reserved+l.Reserved, s.Available+l.Available
		s.Locations = append(s.Locations, l)
	}
	if err := rows.Err(); err != nil {
		return SKU{}, fmt.Errorf("stockq: %s: %w", sku, err)
	}
	if len(s.Locations) == 0 && (!listed || location != "") {
		return SKU{}, fmt.Errorf("stockq: %s: %w", sku, sql.ErrNoRows)
	}
	return s, nil
}

// Owner is the vendor of a SKU ("" when its product is not listed yet).
func (r *Reader) Owner(ctx context.Context, sku string) (string, error) {
	var v string
	err := r.db.QueryRowContext(ctx, r.owner, sku).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return v, err
}
