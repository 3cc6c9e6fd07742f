package shipment

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// Wire names of shipment events; stable for ever.
const (
	TypeCreated       = "shipment.created"
	TypeStatusChanged = "shipment.status_changed"
)

// SchemaVersion is the current schema of every event here.
const SchemaVersion = 1

// Created: a label was bought from a carrier for a sub-order.
type Created struct {
	ShipmentID     domain.ShipmentID `json:"shipment_id"`
	OrderID        domain.OrderID    `json:"order_id"`
	SubOrderID     domain.SubOrderID `json:"sub_order_id"`
	VendorID       domain.VendorID   `json:"vendor_id"`
	Carrier        Carrier           `json:"carrier"`
	TrackingNumber string            `json:"tracking_number"`
	LabelKey       string            `json:"label_key"`           // blob key of the label PDF
	CODAmount      domain.Money      `json:"cod_amount,omitzero"` // to collect on delivery
	At             time.Time         `json:"at"`
}

// StatusChanged: a carrier event moved the parcel forward.
type StatusChanged struct {
	CarrierEventID string       `json:"carrier_event_id"`
	Status         Status       `json:"status"`
	CarrierStatus  string       `json:"carrier_status"` // the carrier's own word, for support
	Location       string       `json:"location,omitempty"`
	Collected      domain.Money `json:"collected,omitzero"` // cash collected at delivery
	OccurredAt     time.Time    `json:"occurred_at"`
	At             time.Time    `json:"at"`
}

func (Created) EventType() string        { return TypeCreated }
func (StatusChanged) EventType() string  { return TypeStatusChanged }
func (Created) SchemaVersion() int       { return SchemaVersion }
func (StatusChanged) SchemaVersion() int { return SchemaVersion }

// Events lists one zero value of every event type.
func Events() []domain.Event { return []domain.Event{Created{}, StatusChanged{}} }
