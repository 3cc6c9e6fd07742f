package commands

import (
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
	"github.com/souq-market/souq/eventstore"
)

// Events lists one zero value of every domain event type souq stores, one
// line per aggregate package, so adding an aggregate is a visible edit here.
func Events() []domain.Event {
	var all []domain.Event
	all = append(all, affiliate.Events()...)
	all = append(all, inventory.Events()...)
	all = append(all, order.Events()...)
	all = append(all, payment.Events()...)
	all = append(all, product.Events()...)
	all = append(all, returns.Events()...)
	all = append(all, review.Events()...)
	all = append(all, shipment.Events()...)
	all = append(all, user.Events()...)
	all = append(all, vendor.Events()...)
	all = append(all, wallet.Events()...)
	return all
}

// NewRegistry registers every domain event type under its own wire name and
// schema version. Nothing is derived from Go type names; an event whose
// schema grows gets its upcasters here, beside its registration.
func NewRegistry() *eventstore.Registry {
	r := eventstore.NewRegistry()
	for _, e := range Events() {
		r.RegisterValue(e, e.EventType(), e.SchemaVersion(), upcasters()[e.EventType()]...)
	}
	return r
}

// upcasters are the steps that bring stored payloads of old schema versions
// to the current one, by wire name. Each step's old payload is kept as a
// golden file (testdata/<name>.v<from>.json) that must keep loading.
func upcasters() map[string][]eventstore.UpcastStep {
	return map[string][]eventstore.UpcastStep{
		// v2 added the delisting's code; v1 delistings become "other".
		product.TypeDelisted: {{From: 1, Fn: product.UpcastDelistedV1}},
		// v2 added the ship-to; v1 orders read with none.
		order.TypePlaced: {{From: 1, Fn: order.UpcastPlacedV1}},
	}
}
