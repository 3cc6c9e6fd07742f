package readapi

import (
	"context"

	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
)

// ViewUsers names the users view.
const ViewUsers = "users"

// meRoutes: GET /v1/me, the caller's own account — profile, role and
// address book. Only ever the caller's: the route takes no ID, so there is
// no one else's to ask for.
func (s *Server) meRoutes() {
	rd := s.deps.Users
	if rd == nil {
		return
	}
	s.Handle(Route{
		Op: httpx.Operation{Path: "/v1/me", ID: "getMe", Tag: "users",
			Summary: "Your own account: email, role, profile and address book (the addresses checkout ships to, the default marked); 404 for an account souq does not keep (an external issuer's)."},
		Roles: []auth.Role{auth.Customer, auth.Vendor, auth.Influencer, auth.Admin, auth.SuperAdmin, auth.Auditor},
		Views: []string{ViewUsers},
		Read: func(ctx context.Context, c *Call) (any, error) {
			me, err := rd.Get(ctx, c.Caller.UserID)
			if err != nil {
				return nil, notFound(err, "account "+c.Caller.UserID)
			}
			return me, nil
		},
	})
}
