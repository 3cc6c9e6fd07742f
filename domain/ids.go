package domain

import "unicode"

// References between aggregates. Each aggregate package names its own ID
// (order.ID is an alias of OrderID), and the kernel holds the types so that
// one aggregate can point at another without importing its package: the
// aggregates stay independent of each other. IDs are generated outside the
// domain (UUIDs in the command layer); the domain only checks their shape.
type (
	CustomerID  string
	VendorID    string
	ProductID   string
	SKU         string
	LocationID  string
	OrderID     string
	SubOrderID  string
	PaymentID   string
	WalletID    string
	ShipmentID  string
	ReturnID    string
	ReviewID    string
	AffiliateID string
)

// MaxIDBytes bounds an identifier; it becomes part of stream names.
const MaxIDBytes = 100

// ValidID accepts 1–100 bytes of ASCII letters, digits and "-_.:", the
// characters safe in a stream name, a URL path and a log line.
func ValidID(id string) bool {
	if id == "" || len(id) > MaxIDBytes {
		return false
	}
	for _, r := range id {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.' || r == ':') {
			return false
		}
	}
	return true
}
