package returns

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// Wire names of return events; stable for ever.
const (
	TypeRequested = "return.requested"
	TypeApproved  = "return.approved"
	TypeRejected  = "return.rejected"
	TypeReceived  = "return.received"
	TypeRefunded  = "return.refunded"
)

// SchemaVersion is the current schema of every event here.
const SchemaVersion = 1

// Item is a returned line: how many units and what they were paid.
type Item struct {
	SKU      domain.SKU   `json:"sku"`
	Quantity int64        `json:"quantity"`
	Value    domain.Money `json:"value"` // what the customer paid for these units
}

// Requested: the customer asked to return items.
type Requested struct {
	ReturnID   domain.ReturnID   `json:"return_id"`
	OrderID    domain.OrderID    `json:"order_id"`
	SubOrderID domain.SubOrderID `json:"sub_order_id"`
	CustomerID domain.CustomerID `json:"customer_id"`
	VendorID   domain.VendorID   `json:"vendor_id"`
	Items      []Item            `json:"items"`
	Total      domain.Money      `json:"total"`
	Reason     Reason            `json:"reason"`
	Comment    string            `json:"comment,omitempty"`
	At         time.Time         `json:"at"`
}

// Approved: souq accepted the return; the refund goes to RefundTo.
type Approved struct {
	RefundTo Destination `json:"refund_to"`
	At       time.Time   `json:"at"`
}

// Rejected: the return was refused.
type Rejected struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Received: the goods came back; Restock says whether they can be sold.
type Received struct {
	Restock bool      `json:"restock"`
	Note    string    `json:"note,omitempty"`
	At      time.Time `json:"at"`
}

// Refunded: money went back to the customer.
type Refunded struct {
	RefundID string       `json:"refund_id"`
	To       Destination  `json:"to"`
	Amount   domain.Money `json:"amount"`
	At       time.Time    `json:"at"`
}

func (Requested) EventType() string { return TypeRequested }
func (Approved) EventType() string  { return TypeApproved }
func (Rejected) EventType() string  { return TypeRejected }
func (Received) EventType() string  { return TypeReceived }
func (Refunded) EventType() string  { return TypeRefunded }

func (Requested) SchemaVersion() int { return SchemaVersion }
func (Approved) SchemaVersion() int  { return SchemaVersion }
func (Rejected) SchemaVersion() int  { return SchemaVersion }
func (Received) SchemaVersion() int  { return SchemaVersion }
func (Refunded) SchemaVersion() int  { return SchemaVersion }

// Events lists one zero value of every event type.
func Events() []domain.Event {
	return []domain.Event{Requested{}, Approved{}, Rejected{}, Received{}, Refunded{}}
}
