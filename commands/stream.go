package commands

import "github.com/souq-market/souq/domain"

// Stream names, in one place. Every ID is checked with domain.ValidID, whose
// alphabet has no '@', so "inventory-<sku>@<location>" splits one way only
// and no two aggregates ever share a stream.
const (
	prefixOrder     = "order-"
	prefixInventory = "inventory-"
	prefixWallet    = "wallet-"
	prefixPayment   = "payment-"
	prefixShipment  = "shipment-"
	prefixProduct   = "product-"
)

// stream refuses an ID that cannot name a stream with an Invalid error
// naming the field, like any other bad command field.
func stream(prefix, field, id string) (string, error) {
	var v domain.Validation
	if v.ID(field, id); v.Err() != nil {
		return "", v.Err()
	}
	return prefix + id, nil
}

// OrderStream names the stream of one order.
func OrderStream(id domain.OrderID) (string, error) {
	return stream(prefixOrder, "order_id", string(id))
}

// InventoryStream names the stream of one SKU at one location.
func InventoryStream(sku domain.SKU, loc domain.LocationID) (string, error) {
	var v domain.Validation
	v.ID("sku", string(sku))
	v.ID("location", string(loc))
	if err := v.Err(); err != nil {
		return "", err
	}
	return prefixInventory + string(sku) + "@" + string(loc), nil
}

// WalletStream names the stream of one wallet.
func WalletStream(id domain.WalletID) (string, error) {
	return stream(prefixWallet, "wallet_id", string(id))
}

// PaymentStream names the stream of one payment attempt.
func PaymentStream(id domain.PaymentID) (string, error) {
	return stream(prefixPayment, "payment_id", string(id))
}

// ShipmentStream names the stream of one shipment.
func ShipmentStream(id domain.ShipmentID) (string, error) {
	return stream(prefixShipment, "shipment_id", string(id))
}

// ProductStream names the stream of one product.
func ProductStream(id domain.ProductID) (string, error) {
	return stream(prefixProduct, "product_id", string(id))
}
