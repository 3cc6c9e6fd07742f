package productq

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"
)

// Table is the view's table.
const Table = "products"

// Views (projector names: checkpoint keys, what X-Souq-Min-Position waits
// for): the products view, and the cache's projector, which invalidates
// details and keeps the stock counters.
const (
	View      = "products"
	CacheView = "cache"
)

// Statuses of a product.
const (
	OnSale   = "on_sale"
	Delisted = "delisted"
)

// Money is an amount of minor units in a currency, the domain's JSON shape.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Variant is one size of a product, under its own SKU; Available is filled
// from the stock counters when served.
type Variant struct {
	SKU       string           `json:"sku"`
	SizeML    int              `json:"size_ml"`
	Prices    map[string]Money `json:"prices"` // by currency, tax-inclusive
	Available int64            `json:"available"`
}

// Detail is the product page.
type Detail struct {
	ProductID string          `json:"product_id"`
	VendorID  string          `json:"vendor_id"`
	Revision  uint64          `json:"revision"` // of the product stream
	Status    string          `json:"status"`
	Details   json.RawMessage `json:"details"` // names, brand, category, scent profile, images
	Variants  []Variant       `json:"variants"`
	Available int64           `json:"available"` // every SKU's, everywhere
	InStock   bool            `json:"in_stock"`
	ListedAt  time.Time       `json:"listed_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// Reader reads the view. It is safe for concurrent use.
type Reader struct {
	db  *sql.DB
	get string
}

// New returns a reader over db; rebind rewrites ? parameters for its dialect.
func New(db *sql.DB, rebind func(string) string) *Reader {
	return &Reader{db: db, get: rebind(`SELECT product_id, vendor_id, revision, status, details, variants, listed_at, updated_at
		FROM ` + Table + ` WHERE product_id = ?`)}
}

// Get reads one product; an unknown one is sql.ErrNoRows.
func (r *Reader) Get(ctx context.Context, id string) (Detail, error) {
	var d Detail
	var details, variants string
	var listed, updated int64
	err := r.db.QueryRowContext(ctx, r.get, id).Scan(&d.ProductID, &d.VendorID, &d.Revision, &d.Status, &details, &variants, &listed, &updated)
	if err != nil {
		return Detail{}, err
	}
	d.Details = json.RawMessage(details)
	if err := json.Unmarshal([]byte(variants), &d.Variants); err != nil {
		return Detail{}, err
	}
	d.ListedAt, d.UpdatedAt = time.Unix(0, listed).UTC(), time.Unix(0, updated).UTC()
	return d, nil
}
