package userq

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The view's tables.
const (
	TableUsers     = "users"
	TableAddresses = "user_addresses"
)

// Me is an account as its owner sees it.
type Me struct {
	UserID         string    `json:"user_id"`
	Email          string    `json:"email"`
	Role           string    `json:"role"`
	VendorID       string    `json:"vendor_id,omitempty"`
	Profile        Profile   `json:"profile"`
	DefaultAddress string    `json:"default_address_id,omitempty"`
	Addresses      []Address `json:"addresses"` // oldest first
	RegisteredAt   time.Time `json:"registered_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Profile is what the user says about themselves.
type Profile struct {
	Name   string `json:"name"`
	Phone  string `json:"phone,omitempty"`
	Locale string `json:"locale,omitempty"`
}

// Address is one entry of the address book.
type Address struct {
	AddressID  string `json:"address_id"`
	Label      string `json:"label,omitempty"`
	Recipient  string `json:"recipient"`
	Phone      string `json:"phone"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country"`
	Default    bool   `json:"default"`
}

// Reader reads the view. It is safe for concurrent use.
type Reader struct {
	db             *sql.DB
	get, addresses string
}

// New returns a reader over db; rebind rewrites ? parameters for its dialect.
func New(db *sql.DB, rebind func(string) string) *Reader {
	return &Reader{
		db: db,
		get: rebind(`SELECT user_id, email, role, vendor_id, name, phone, locale, default_address, registered_at, updated_at
			FROM ` + TableUsers + ` WHERE user_id = ? AND forgotten = 0`),
		addresses: rebind(`SELECT address_id, label, recipient, phone, line1, line2, city, region, postal_code, country
			FROM ` + TableAddresses + ` WHERE user_id = ? ORDER BY added_revision, address_id`),
	}
}

// Get reads an account and its address book; an unknown or forgotten
// account is sql.ErrNoRows.
func (r *Reader) Get(ctx context.Context, id string) (Me, error) {
	// One read transaction, so the account and its addresses agree while
	// the projector commits.
	tx, err := r.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Me{}, fmt.Errorf("userq: get %s: %w", id, err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	var m Me
	var registered, updated int64
	err = tx.QueryRowContext(ctx, r.get, id).Scan(&m.UserID, &m.Email, &m.Role, &m.VendorID, &m.Profile.Name, &m.Profile.Phone,
		&m.Profile.Locale, &m.DefaultAddress, &registered, &updated)
	if err != nil {
		return m, fmt.Errorf("userq: get %s: %w", id, err)
	}
	m.RegisteredAt, m.UpdatedAt = time.Unix(0, registered).UTC(), time.Unix(0, updated).UTC()
	rows, err := tx.QueryContext(ctx, r.addresses, id)
	if err != nil {
		return m, fmt.Errorf("userq: addresses of %s: %w", id, err)
	}
	defer rows.Close()
	m.Addresses = []Address{}
	for rows.Next() {
		var a Address
		if err := rows.Scan(&a.AddressID, &a.Label, &a.Recipient, &a.Phone, &a.Line1, &a.Line2, &a.City, &a.Region, &a.PostalCode, &a.Country); err != nil {
			return m, fmt.Errorf("userq: addresses of %s: %w", id, err)
		}
		a.Default = a.AddressID == m.DefaultAddress
		m.Addresses = append(m.Addresses, a)
	}
	if err := rows.Err(); err != nil {
		return m, fmt.Errorf("userq: addresses of %s: %w", id, err)
	}
	return m, nil
}
