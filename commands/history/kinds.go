package history

import (
	"fmt"
	"strings"

	"github.com/souq-market/souq/commands"
	cuser "github.com/souq-market/souq/commands/user"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/affiliate"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/domain/returns"
	"github.com/souq-market/souq/domain/review"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/domain/vendor"
	"github.com/souq-market/souq/domain/wallet"
)

// kind is one aggregate kind: the prefix of its streams and how to make a
// fresh aggregate from the rest of the stream name.
type kind struct {
	name   string
	prefix string
	new    func(id string) (commands.Aggregate, error)
	// types are the wire names of the events this kind applies; a stored
	// event of another type in its stream is one its Apply ignores, which
	// a re-fold reports.
	types map[string]bool
}

// prefixOf derives a prefix from the stream-name constructor itself, so the
// table cannot drift from the names commands writes.
func prefixOf(stream string, err error) string {
	if err != nil {
		panic(fmt.Sprintf("history: stream prefix: %v", err)) // a constant ID that fails validation: a programming error
	}
	return strings.TrimSuffix(stream, "x")
}

// kinds lists every aggregate kind, one line each.
func kinds() []kind {
	one := func(name string, stream func(string) (string, error), mk func(string) commands.Aggregate, events []domain.Event) kind {
		return kind{name: name, prefix: prefixOf(stream("x")), new: func(id string) (commands.Aggregate, error) { return mk(id), nil }, types: typesOf(events)}
	}
	return []kind{
		one("order", func(s string) (string, error) { return commands.OrderStream(domain.OrderID(s)) },
			func(id string) commands.Aggregate { return order.New(domain.OrderID(id)) }, order.Events()),
		one("wallet", func(s string) (string, error) { return commands.WalletStream(domain.WalletID(s)) },
			func(id string) commands.Aggregate { return wallet.New(domain.WalletID(id)) }, wallet.Events()),
		one("payment", func(s string) (string, error) { return commands.PaymentStream(domain.PaymentID(s)) },
			func(id string) commands.Aggregate { return payment.New(domain.PaymentID(id)) }, payment.Events()),
		one("shipment", func(s string) (string, error) { return commands.ShipmentStream(domain.ShipmentID(s)) },
			func(id string) commands.Aggregate { return shipment.New(domain.ShipmentID(id)) }, shipment.Events()),
		one("product", func(s string) (string, error) { return commands.ProductStream(domain.ProductID(s)) },
			func(id string) commands.Aggregate { return product.New(domain.ProductID(id)) }, product.Events()),
		one("vendor", func(s string) (string, error) { return commands.VendorStream(domain.VendorID(s)) },
			func(id string) commands.Aggregate { return vendor.New(domain.VendorID(id)) }, vendor.Events()),
		one("return", func(s string) (string, error) { return commands.ReturnStream(domain.ReturnID(s)) },
			func(id string) commands.Aggregate { return returns.New(domain.ReturnID(id)) }, returns.Events()),
		one("review", func(s string) (string, error) { return commands.ReviewStream(domain.ReviewID(s)) },
			func(id string) commands.Aggregate { return review.New(domain.ReviewID(id)) }, review.Events()),
		one("affiliate", func(s string) (string, error) { return commands.AffiliateStream(domain.AffiliateID(s)) },
			func(id string) commands.Aggregate { return affiliate.New(domain.AffiliateID(id)) }, affiliate.Events()),
		one("user", func(s string) (string, error) { return cuser.UserStream(user.ID(s)) },
			func(id string) commands.Aggregate { return user.New(user.ID(id)) }, nil).with(userTypes()),
		one("session", func(s string) (string, error) { return cuser.SessionStream(user.SessionID(s)) },
			func(id string) commands.Aggregate { return user.NewSession(user.SessionID(id)) }, nil).with(sessionTypes),
		// The claim's stream is keyed by the email's SHA-256 in hex (64
		// characters), which cannot be turned back into the email; the
		// claim's state (owner, when) needs none.
		{name: "email claim", prefix: claimPrefix(), new: func(string) (commands.Aggregate, error) { return user.NewClaim(""), nil },
			types: claimTypes},
		{name: "inventory", prefix: inventoryPrefix(), new: func(id string) (commands.Aggregate, error) {
			sku, loc, ok := strings.Cut(id, "@")
			if !ok {
				return nil, fmt.Errorf("%w: inventory stream without @location: %q", ErrUnknownStream, id)
			}
			return inventory.New(domain.SKU(sku), domain.LocationID(loc)), nil
		}, types: typesOf(inventory.Events())},
	}
}

// The user package's events belong to three aggregates: the session's and
// the email claim's are named here, and the user applies all the others.
var (
	sessionTypes = map[string]bool{user.TypeSessionStarted: true, user.TypeSessionRotated: true, user.TypeSessionRevoked: true}
	claimTypes   = map[string]bool{user.TypeEmailClaimed: true, user.TypeEmailReleased: true}
)

func userTypes() map[string]bool {
	types := typesOf(user.Events())
	for t := range types {
		if sessionTypes[t] || claimTypes[t] {
			delete(types, t)
		}
	}
	return types
}

func (k kind) with(types map[string]bool) kind {
	k.types = types
	return k
}

func typesOf(events []domain.Event) map[string]bool {
	types := make(map[string]bool, len(events))
	for _, e := range events {
		types[e.EventType()] = true
	}
	return types
}

func claimPrefix() string {
	s := cuser.ClaimStream("")
	return s[:len(s)-64]
}

func inventoryPrefix() string {
	s, err := commands.InventoryStream("x", "y")
	return strings.TrimSuffix(prefixOf(s, err), "x@y")
}

// extras are state a getter with an argument holds, per aggregate kind: a
// snapshot would miss them otherwise.
func extras(agg any) map[string]any {
	switch a := agg.(type) {
	case *order.Order:
		subs := map[string]any{}
		for _, s := range a.SubOrders() {
			st, _ := a.SubStatus(s.ID)
			subs[string(s.ID)] = st
		}
		return map[string]any{"SubStatus": subs}
	}
	return nil
}
