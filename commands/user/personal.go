package user

import (
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/internal/pii"
)

// PersonalData names the personal fields of the user events, sealed with
// the user's data key before they are stored (internal/pii). The subject is
// the user's ID: from the stream name, or from the claim's user_id.
// Address label, city, region and country stay clear: they identify no one
// alone, and reports group by them.
func PersonalData() pii.Catalog {
	account := func(fields ...string) pii.Rule { return pii.Rule{StreamPrefix: prefixUser, Fields: fields} }
	return pii.Catalog{
		user.TypeRegistered:     account("email", "profile.name", "profile.phone"),
		user.TypeProfileUpdated: account("profile.name", "profile.phone"),
		user.TypeAddressAdded:   account("address.recipient", "address.phone", "address.line1", "address.line2", "address.postal_code"),
		user.TypeEmailClaimed:   {SubjectField: "user_id", Fields: []string{"email"}},
	}
}
