package user

import (
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/internal/pii"
)

// PersonalData names the personal fields of souq's events, sealed with the
// user's data key before they are stored (internal/pii). The subject is
// the user's ID: from the stream name, from the claim's user_id, or from
// the order's customer_id (a customer's ID is their user ID). Address
// label, city, region and country stay clear, in the address book and in
// an order's ship-to alike: they identify no one alone, and reports group
// by them.
func PersonalData() pii.Catalog {
	account := func(fields ...string) pii.Rule { return pii.Rule{StreamPrefix: prefixUser, Fields: fields} }
	return pii.Catalog{
		user.TypeRegistered:     account("email", "profile.name", "profile.phone"),
		user.TypeProfileUpdated: account("profile.name", "profile.phone"),
		user.TypeAddressAdded:   account("address.recipient", "address.phone", "address.line1", "address.line2", "address.postal_code"),
		user.TypeEmailClaimed:   {SubjectField: "user_id", Fields: []string{"email"}},
		order.TypePlaced: {SubjectField: "customer_id",
			Fields: []string{"ship_to.recipient", "ship_to.phone", "ship_to.line1", "ship_to.line2", "ship_to.postal_code"}},
	}
}
