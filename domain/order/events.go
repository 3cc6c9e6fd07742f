package order

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// Wire names of order events; stable for ever.
const (
	TypePlaced            = "order.placed"
	TypePaid              = "order.paid"
	TypeConfirmed         = "order.confirmed"
	TypeSubOrderFulfilled = "order.sub_order_fulfilled"
	TypeSubOrderShipped   = "order.sub_order_shipped"
	TypeSubOrderDelivered = "order.sub_order_delivered"
	TypeSubOrderCancelled = "order.sub_order_cancelled"
	TypeDelivered         = "order.delivered"
	TypeCompleted         = "order.completed"
	TypeCancelled         = "order.cancelled"
)

// SchemaVersion is the current schema of every event here but Placed.
const SchemaVersion = 1

// PlacedVersion is Placed's schema. Version 2 added ShipTo: version 1
// recorded no shipping address, so no carrier could book from the order.
// Stored version 1 events are upcast by UpcastPlacedV1 and read with no
// ship-to.
const PlacedVersion = 2

// PricedLine is a cart line as priced at checkout.
type PricedLine struct {
	SKU       domain.SKU       `json:"sku"`
	ProductID domain.ProductID `json:"product_id"`
	VendorID  domain.VendorID  `json:"vendor_id"`
	Quantity  int64            `json:"quantity"`
	UnitPrice domain.Money     `json:"unit_price"` // tax-inclusive
	Total     domain.Money     `json:"total"`      // unit price × quantity
	Discount  domain.Money     `json:"discount"`   // this line's share of the order discount
}

// SubOrder is the part of an order one vendor fulfils.
type SubOrder struct {
	ID             domain.SubOrderID  `json:"id"`
	VendorID       domain.VendorID    `json:"vendor_id"`
	Lines          []domain.SKU       `json:"lines"`
	Subtotal       domain.Money       `json:"subtotal"`
	Discount       domain.Money       `json:"discount"`
	Shipping       domain.Money       `json:"shipping"`
	Total          domain.Money       `json:"total"` // subtotal − discount + shipping
	VAT            domain.Money       `json:"vat"`   // included in total
	CommissionRate domain.BasisPoints `json:"commission_rate"`
	Commission     domain.Money       `json:"commission"` // on the goods after discount
}

// Totals of the whole order.
type Totals struct {
	Subtotal domain.Money `json:"subtotal"`
	Discount domain.Money `json:"discount"`
	Shipping domain.Money `json:"shipping"`
	Total    domain.Money `json:"total"`
	VAT      domain.Money `json:"vat"` // included in total
	Cashback domain.Money `json:"cashback"`
	Wallet   domain.Money `json:"wallet"` // paid from the wallet
	Due      domain.Money `json:"due"`    // total − wallet, paid by the other method
}

// ShipTo is where an order goes: a copy of an address-book entry taken at
// checkout, so that editing or removing the entry later moves no order.
// Recipient, phone, line1, line2 and postal code are personal data,
// sealed in the log under the customer's key (commands/user
// PersonalData); city, region and country stay clear.
type ShipTo struct {
	AddressID  string         `json:"address_id"` // the entry it was copied from
	Recipient  string         `json:"recipient"`
	Phone      string         `json:"phone"`
	Line1      string         `json:"line1"`
	Line2      string         `json:"line2,omitempty"`
	City       string         `json:"city"`
	Region     string         `json:"region,omitempty"`
	PostalCode string         `json:"postal_code,omitempty"`
	Country    domain.Country `json:"country"`
}

// Placed: a checkout became an order.
type Placed struct {
	OrderID          domain.OrderID     `json:"order_id"`
	CustomerID       domain.CustomerID  `json:"customer_id"`
	Country          domain.Country     `json:"country"`
	PaymentMethod    PaymentMethod      `json:"payment_method"`
	DiscountCode     string             `json:"discount_code,omitempty"`
	AffiliateID      domain.AffiliateID `json:"affiliate_id,omitempty"`
	ReturnWindowDays int                `json:"return_window_days"`
	Lines            []PricedLine       `json:"lines"`
	SubOrders        []SubOrder         `json:"sub_orders"`
	Totals           Totals             `json:"totals"`
	// ShipTo is nil in version 1 events, placed before orders recorded one.
	ShipTo *ShipTo   `json:"ship_to,omitempty"`
	At     time.Time `json:"at"`
}

// Paid: the amount due was captured.
type Paid struct {
	PaymentID domain.PaymentID `json:"payment_id"`
	Amount    domain.Money     `json:"amount"`
	At        time.Time        `json:"at"`
}

// Confirmed: stock is committed and vendors may fulfil.
type Confirmed struct {
	At time.Time `json:"at"`
}

// SubOrderFulfilled: the vendor packed its part.
type SubOrderFulfilled struct {
	SubOrderID domain.SubOrderID `json:"sub_order_id"`
	At         time.Time         `json:"at"`
}

// SubOrderShipped: the carrier has it.
type SubOrderShipped struct {
	SubOrderID domain.SubOrderID `json:"sub_order_id"`
	ShipmentID domain.ShipmentID `json:"shipment_id"`
	At         time.Time         `json:"at"`
}

// SubOrderDelivered: the customer has it.
type SubOrderDelivered struct {
	SubOrderID domain.SubOrderID `json:"sub_order_id"`
	At         time.Time         `json:"at"`
}

// SubOrderCancelled: the vendor's part will not ship.
type SubOrderCancelled struct {
	SubOrderID domain.SubOrderID `json:"sub_order_id"`
	Reason     string            `json:"reason"`
	At         time.Time         `json:"at"`
}

// Delivered: every sub-order not cancelled was delivered.
type Delivered struct {
	At time.Time `json:"at"`
}

// Completed: the return window closed.
type Completed struct {
	At time.Time `json:"at"`
}

// Cancelled: the whole order is off.
type Cancelled struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

func (Placed) EventType() string            { return TypePlaced }
func (Paid) EventType() string              { return TypePaid }
func (Confirmed) EventType() string         { return TypeConfirmed }
func (SubOrderFulfilled) EventType() string { return TypeSubOrderFulfilled }
func (SubOrderShipped) EventType() string   { return TypeSubOrderShipped }
func (SubOrderDelivered) EventType() string { return TypeSubOrderDelivered }
func (SubOrderCancelled) EventType() string { return TypeSubOrderCancelled }
func (Delivered) EventType() string         { return TypeDelivered }
func (Completed) EventType() string         { return TypeCompleted }
func (Cancelled) EventType() string         { return TypeCancelled }

func (Placed) SchemaVersion() int            { return PlacedVersion }
func (Paid) SchemaVersion() int              { return SchemaVersion }
func (Confirmed) SchemaVersion() int         { return SchemaVersion }
func (SubOrderFulfilled) SchemaVersion() int { return SchemaVersion }
func (SubOrderShipped) SchemaVersion() int   { return SchemaVersion }
func (SubOrderDelivered) SchemaVersion() int { return SchemaVersion }
func (SubOrderCancelled) SchemaVersion() int { return SchemaVersion }
func (Delivered) SchemaVersion() int         { return SchemaVersion }
func (Completed) SchemaVersion() int         { return SchemaVersion }
func (Cancelled) SchemaVersion() int         { return SchemaVersion }

// Events lists one zero value of every event type.
func Events() []domain.Event {
	return []domain.Event{Placed{}, Paid{}, Confirmed{}, SubOrderFulfilled{}, SubOrderShipped{}, SubOrderDelivered{}, SubOrderCancelled{}, Delivered{}, Completed{}, Cancelled{}}
}
