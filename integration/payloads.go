package integration

import "time"

// OrderCreatedV1 is order.created version 1: a checkout became an order.
type OrderCreatedV1 struct {
	OrderID       string            `json:"order_id"`
	CustomerID    string            `json:"customer_id"`
	Country       string            `json:"country"`
	PaymentMethod string            `json:"payment_method"`
	Lines         []OrderLineV1     `json:"lines"`
	SubOrders     []OrderSubOrderV1 `json:"sub_orders"`
	Subtotal      Money             `json:"subtotal"`
	Discount      Money             `json:"discount"`
	Shipping      Money             `json:"shipping"`
	VAT           Money             `json:"vat"` // included in Total
	Total         Money             `json:"total"`
	PlacedAt      time.Time         `json:"placed_at"`
}

// OrderLineV1 is one line of an order.
type OrderLineV1 struct {
	SKU       string `json:"sku"`
	ProductID string `json:"product_id"`
	VendorID  string `json:"vendor_id"`
	Quantity  int64  `json:"quantity"`
	UnitPrice Money  `json:"unit_price"` // tax-inclusive
	Total     Money  `json:"total"`
}

// OrderSubOrderV1 is the part of an order one vendor fulfils.
type OrderSubOrderV1 struct {
	SubOrderID string `json:"sub_order_id"`
	VendorID   string `json:"vendor_id"`
	Total      Money  `json:"total"`
}

// Changes an order.updated reports.
const (
	OrderPaid              = "paid"
	OrderConfirmed         = "confirmed"
	OrderSubOrderFulfilled = "sub_order_fulfilled"
	OrderSubOrderShipped   = "sub_order_shipped"
	OrderSubOrderDelivered = "sub_order_delivered"
	OrderSubOrderCancelled = "sub_order_cancelled"
	OrderDelivered         = "delivered"
	OrderCompleted         = "completed"
	OrderCancelled         = "cancelled"
)

// OrderUpdatedV1 is order.updated version 1: one step of an order's life.
// Fields that do not apply to a change are left out.
type OrderUpdatedV1 struct {
	OrderID    string    `json:"order_id"`
	Change     string    `json:"change"`
	SubOrderID string    `json:"sub_order_id,omitempty"`
	ShipmentID string    `json:"shipment_id,omitempty"`
	PaymentID  string    `json:"payment_id,omitempty"`
	Amount     *Money    `json:"amount,omitempty"` // paid
	Reason     string    `json:"reason,omitempty"` // cancellations
	At         time.Time `json:"at"`
}

// PaymentCompletedV1 is payment.completed version 1: money was captured
// (for cash on delivery: collected by the carrier).
type PaymentCompletedV1 struct {
	PaymentID  string    `json:"payment_id"`
	OrderID    string    `json:"order_id"`
	CustomerID string    `json:"customer_id"`
	Method     string    `json:"method"`
	Provider   string    `json:"provider"`
	Amount     Money     `json:"amount"`
	CapturedAt time.Time `json:"captured_at"`
}

// Changes an inventory.updated reports.
const (
	StockReceived             = "received"
	StockAdjusted             = "adjusted"
	StockReserved             = "reserved"
	StockReservationCommitted = "reservation_committed"
	StockReservationReleased  = "reservation_released"
	StockReservationExpired   = "reservation_expired"
)

// InventoryUpdatedV1 is inventory.updated version 1: the stock of one SKU at
// one location moved. Deltas, not totals: summing them per (sku, location)
// from the first event gives on hand and reserved; available is on hand −
// reserved.
type InventoryUpdatedV1 struct {
	SKU            string    `json:"sku"`
	Location       string    `json:"location"`
	Change         string    `json:"change"`
	OnHandDelta    int64     `json:"on_hand_delta"`
	ReservedDelta  int64     `json:"reserved_delta"`
	AvailableDelta int64     `json:"available_delta"`
	ReservationID  string    `json:"reservation_id,omitempty"`
	OrderID        string    `json:"order_id,omitempty"`
	Reason         string    `json:"reason,omitempty"`
	At             time.Time `json:"at"`
}

// UserRegisteredV1 is user.registered version 1: an account exists. It
// never carries credentials.
type UserRegisteredV1 struct {
	UserID       string    `json:"user_id"`
	Email        string    `json:"email"`
	Role         string    `json:"role"`
	VendorID     string    `json:"vendor_id,omitempty"`
	Name         string    `json:"name"`
	Locale       string    `json:"locale,omitempty"`
	RegisteredAt time.Time `json:"registered_at"`
}

// UserErasedV1 is user.erased version 1: souq forgot the user (destroyed
// the key of their personal data), and every service holding a copy of
// it — from user.registered above all — erases its own now. It carries no
// personal data, only the ID, and never the staff's reason, which may
// quote the customer. Keyed, like user.registered, by the user ID; the
// two topics are not ordered against each other, so a consumer keeps the
// erased ID and drops any user.registered of it with a lower Revision
// (as one reading a topic again from its start would meet).
type UserErasedV1 struct {
	UserID   string    `json:"user_id"`
	ErasedAt time.Time `json:"erased_at"`
}

// ShipmentCreatedV1 is shipment.created version 1: a carrier label was
// bought for a sub-order.
type ShipmentCreatedV1 struct {
	ShipmentID     string    `json:"shipment_id"`
	OrderID        string    `json:"order_id"`
	SubOrderID     string    `json:"sub_order_id"`
	VendorID       string    `json:"vendor_id"`
	Carrier        string    `json:"carrier"`
	TrackingNumber string    `json:"tracking_number"`
	CODAmount      *Money    `json:"cod_amount,omitempty"` // to collect on delivery
	CreatedAt      time.Time `json:"created_at"`
}

// DeliveryStatusV1 is delivery.status version 1: a carrier moved a parcel.
type DeliveryStatusV1 struct {
	ShipmentID     string    `json:"shipment_id"`
	OrderID        string    `json:"order_id"`
	SubOrderID     string    `json:"sub_order_id"`
	Carrier        string    `json:"carrier"`
	TrackingNumber string    `json:"tracking_number"`
	Status         string    `json:"status"`         // souq's normalized status
	CarrierStatus  string    `json:"carrier_status"` // the carrier's own word
	Location       string    `json:"location,omitempty"`
	Collected      *Money    `json:"collected,omitempty"` // cash collected at delivery
	OccurredAt     time.Time `json:"occurred_at"`
}
