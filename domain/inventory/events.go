package inventory

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// Wire names of inventory events; stable for ever.
const (
	TypeReceived             = "inventory.received"
	TypeAdjusted             = "inventory.adjusted"
	TypeReserved             = "inventory.reserved"
	TypeReservationCommitted = "inventory.reservation_committed"
	TypeReservationReleased  = "inventory.reservation_released"
	TypeReservationExpired   = "inventory.reservation_expired"
)

// SchemaVersion is the current schema of every event here. An event whose
// shape changes gets its own constant and an upcaster from the old one.
const SchemaVersion = 1

// Received: stock arrived (a delivery, or a return put back on the shelf).
type Received struct {
	SKU      domain.SKU        `json:"sku"`
	Location domain.LocationID `json:"location"`
	Quantity int64             `json:"quantity"`
	At       time.Time         `json:"at"`
}

// Adjusted: a stock count correction, positive or negative, with a reason.
type Adjusted struct {
	SKU      domain.SKU        `json:"sku"`
	Location domain.LocationID `json:"location"`
	Delta    int64             `json:"delta"`
	Reason   Reason            `json:"reason"`
	Note     string            `json:"note,omitempty"`
	At       time.Time         `json:"at"`
}

// Reserved: quantity is held for an order until ExpiresAt.
type Reserved struct {
	SKU           domain.SKU        `json:"sku"`
	Location      domain.LocationID `json:"location"`
	ReservationID ReservationID     `json:"reservation_id"`
	OrderID       domain.OrderID    `json:"order_id"`
	Quantity      int64             `json:"quantity"`
	ExpiresAt     time.Time         `json:"expires_at"`
	At            time.Time         `json:"at"`
}

// ReservationCommitted: the order was paid; the held units leave on hand.
type ReservationCommitted struct {
	SKU           domain.SKU        `json:"sku"`
	Location      domain.LocationID `json:"location"`
	ReservationID ReservationID     `json:"reservation_id"`
	Quantity      int64             `json:"quantity"`
	At            time.Time         `json:"at"`
}

// ReservationReleased: the hold was given back before its expiry.
type ReservationReleased struct {
	SKU           domain.SKU        `json:"sku"`
	Location      domain.LocationID `json:"location"`
	ReservationID ReservationID     `json:"reservation_id"`
	Quantity      int64             `json:"quantity"`
	Reason        string            `json:"reason,omitempty"`
	At            time.Time         `json:"at"`
}

// ReservationExpired: the hold ran out; its units are available again.
type ReservationExpired struct {
	SKU           domain.SKU        `json:"sku"`
	Location      domain.LocationID `json:"location"`
	ReservationID ReservationID     `json:"reservation_id"`
	Quantity      int64             `json:"quantity"`
	At            time.Time         `json:"at"`
}

func (Received) EventType() string             { return TypeReceived }
func (Adjusted) EventType() string             { return TypeAdjusted }
func (Reserved) EventType() string             { return TypeReserved }
func (ReservationCommitted) EventType() string { return TypeReservationCommitted }
func (ReservationReleased) EventType() string  { return TypeReservationReleased }
func (ReservationExpired) EventType() string   { return TypeReservationExpired }

func (Received) SchemaVersion() int             { return SchemaVersion }
func (Adjusted) SchemaVersion() int             { return SchemaVersion }
func (Reserved) SchemaVersion() int             { return SchemaVersion }
func (ReservationCommitted) SchemaVersion() int { return SchemaVersion }
func (ReservationReleased) SchemaVersion() int  { return SchemaVersion }
func (ReservationExpired) SchemaVersion() int   { return SchemaVersion }

// Events lists one zero value of every event type, for registration and for
// the test that every type has a golden file.
func Events() []domain.Event {
	return []domain.Event{Received{}, Adjusted{}, Reserved{}, ReservationCommitted{}, ReservationReleased{}, ReservationExpired{}}
}
