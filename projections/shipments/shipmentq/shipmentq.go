package shipmentq

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// View is the shipments projector's name, and the tables are the view's.
// All three carry the layout's version: the runner creates a view's tables
// only when absent, so a new layout (v2 added label_key) takes new names and
// is built from zero beside the old, never altered in place.
const (
	View           = "shipments-v2"
	TableShipments = "tracking_v2"
	TableEvents    = "tracking_events_v2"
)

// Tracking is a parcel's page.
type Tracking struct {
	ShipmentID     string `json:"shipment_id"`
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
	OrderID        string `json:"order_id"`
	SubOrderID     string `json:"sub_order_id"`
	VendorID       string `json:"vendor_id"`
	// LabelKey is the label PDF's blob key (GET /v1/blob-links?key=), for
	// the shipment's vendor and staff; the read API blanks it for others.
	LabelKey      string    `json:"label_key,omitempty"`
	Status        string    `json:"status"`
	CarrierStatus string    `json:"carrier_status"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	Timeline      []Step    `json:"timeline"`
}

// Step is one carrier event, oldest first.
type Step struct {
	At            time.Time `json:"at"` // when it happened, per the carrier
	Status        string    `json:"status"`
	CarrierStatus string    `json:"carrier_status"`
	Location      string    `json:"location,omitempty"`
}

// Reader reads the view. It is safe for concurrent use.
type Reader struct {
	db                 *sql.DB
	byNumber, byID, ev string
}

// New returns a reader over db; rebind rewrites ? parameters for its dialect.
func New(db *sql.DB, rebind func(string) string) *Reader {
	return &Reader{
		db:       db,
		byNumber: rebind(parcel + ` WHERE tracking_number = ? AND (? = '' OR carrier = ?) ORDER BY created_at DESC, shipment_id LIMIT 1`),
		byID:     rebind(parcel + ` WHERE shipment_id = ?`),
		ev:       rebind(`SELECT occurred_at, status, carrier_status, location FROM ` + TableEvents + ` WHERE shipment_id = ? ORDER BY occurred_at, seq`),
	}
}

// parcel selects a parcel's row; the readers add which one.
const parcel = `SELECT shipment_id, carrier, tracking_number, order_id, sub_order_id, vendor_id, status, carrier_status, label_key, created_at, updated_at
			FROM ` + TableShipments

// ByTracking reads the parcel with a tracking number (of carrier, when not
// empty; else the newest of any carrier); none is sql.ErrNoRows.
func (r *Reader) ByTracking(ctx context.Context, number, carrier string) (Tracking, error) {
	return r.read(ctx, number, r.byNumber, number, carrier, carrier)
}

// ByID reads the parcel of a shipment: how its vendor finds the tracking
// number and label a carrier booked for it. None is sql.ErrNoRows.
func (r *Reader) ByID(ctx context.Context, shipmentID string) (Tracking, error) {
	return r.read(ctx, shipmentID, r.byID, shipmentID)
}

func (r *Reader) read(ctx context.Context, number, query string, args ...any) (Tracking, error) {
	tx, err := r.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Tracking{}, fmt.Errorf("shipmentq: %s: %w", number, err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	var tr Tracking
	var created, updated int64
	if err := tx.QueryRowContext(ctx, query, args...).Scan(&tr.ShipmentID, &tr.Carrier, &tr.TrackingNumber, &tr.OrderID,
		&tr.SubOrderID, &tr.VendorID, &tr.Status, &tr.CarrierStatus, &tr.LabelKey, &created, &updated); err != nil {
		return Tracking{}, fmt.Errorf("shipmentq: %s: %w", number, err)
	}
	tr.CreatedAt, tr.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	rows, err := tx.QueryContext(ctx, r.ev, tr.ShipmentID)
	if err != nil {
		return Tracking{}, fmt.Errorf("shipmentq: %s: %w", number, err)
	}
	defer rows.Close()
	tr.Timeline = []Step{}
	for rows.Next() {
		var s Step
		var at int64
		if err := rows.Scan(&at, &s.Status, &s.CarrierStatus, &s.Location); err != nil {
			return Tracking{}, fmt.Errorf("shipmentq: %s: %w", number, err)
		}
		s.At = time.Unix(0, at).UTC()
		tr.Timeline = append(tr.Timeline, s)
	}
	if err := rows.Err(); err != nil {
		return Tracking{}, fmt.Errorf("shipmentq: %s: %w", number, err)
	}
	return tr, nil
}
