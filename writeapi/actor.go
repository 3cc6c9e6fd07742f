package writeapi

import (
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/auth"
)

// eventActor is the verified caller as event metadata records it. It lives
// here, beside the commands it stamps, and not in internal/auth, which the
// read API shares and which therefore may not reach the event store.
func eventActor(a auth.Actor) eventstore.Actor {
	return eventstore.Actor{UserID: a.UserID, Role: string(a.Role)}
}
