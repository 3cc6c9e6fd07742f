package product

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// Wire names of product events; stable for ever.
const (
	TypeListed       = "product.listed"
	TypeUpdated      = "product.updated"
	TypeVariantAdded = "product.variant_added"
	TypeRepriced     = "product.repriced"
	TypeDelisted     = "product.delisted"
)

// SchemaVersion is the current schema of every event here but Delisted.
const SchemaVersion = 1

// DelistedVersion is Delisted's schema. Version 2 added Code: version 1
// held only a free-text reason, which no dashboard can count and no rule
// can act on (a counterfeit takedown and a discontinued line looked the
// same). Stored version 1 events are upcast by UpcastDelistedV1.
const DelistedVersion = 2

// Listed: a vendor put a product on sale.
type Listed struct {
	ProductID domain.ProductID `json:"product_id"`
	VendorID  domain.VendorID  `json:"vendor_id"`
	Details   Details          `json:"details"`
	Variants  []Variant        `json:"variants"`
	At        time.Time        `json:"at"`
}

// Updated: the descriptive details changed (the whole new version).
type Updated struct {
	Details Details   `json:"details"`
	At      time.Time `json:"at"`
}

// VariantAdded: a new size, with its own SKU and prices.
type VariantAdded struct {
	Variant Variant   `json:"variant"`
	At      time.Time `json:"at"`
}

// Repriced: a SKU's prices changed (the whole new price list).
type Repriced struct {
	SKU    domain.SKU                       `json:"sku"`
	Prices map[domain.Currency]domain.Money `json:"prices"`
	At     time.Time                        `json:"at"`
}

// Delisted: off sale for good.
type Delisted struct {
	Code   DelistCode `json:"code"`
	Reason string     `json:"reason"`
	At     time.Time  `json:"at"`
}

func (Listed) EventType() string       { return TypeListed }
func (Updated) EventType() string      { return TypeUpdated }
func (VariantAdded) EventType() string { return TypeVariantAdded }
func (Repriced) EventType() string     { return TypeRepriced }
func (Delisted) EventType() string     { return TypeDelisted }

func (Listed) SchemaVersion() int       { return SchemaVersion }
func (Updated) SchemaVersion() int      { return SchemaVersion }
func (VariantAdded) SchemaVersion() int { return SchemaVersion }
func (Repriced) SchemaVersion() int     { return SchemaVersion }
func (Delisted) SchemaVersion() int     { return DelistedVersion }

// Events lists one zero value of every event type.
func Events() []domain.Event {
	return []domain.Event{Listed{}, Updated{}, VariantAdded{}, Repriced{}, Delisted{}}
}
