package auth

import (
	"context"
	"slices"
)

// Role is what an actor may do.
type Role string

const (
	Customer   Role = "customer"
	Vendor     Role = "vendor"
	Influencer Role = "influencer"
	Admin      Role = "admin"
	SuperAdmin Role = "super_admin"
	Auditor    Role = "auditor"
)

// Roles lists every role.
func Roles() []Role { return []Role{Customer, Vendor, Influencer, Admin, SuperAdmin, Auditor} }

// Valid says whether r is one of souq's roles.
func (r Role) Valid() bool { return slices.Contains(Roles(), r) }

// Staff roles act on anything of anyone (and are recorded as such).
func (r Role) Staff() bool { return r == Admin || r == SuperAdmin }

// ReadsAll says whether the role reads anything of anyone: staff and
// auditors, who may read but never act.
func (r Role) ReadsAll() bool { return r.Staff() || r == Auditor }

// Actor is the verified caller.
type Actor struct {
	UserID string
	Role   Role
	// VendorID is the vendor a vendor-role user acts for: its own claim
	// "vendor_id" (several staff of one vendor), else the subject.
	VendorID string
}

type actorKey struct{}

// With returns ctx carrying the actor.
func With(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// From returns the actor the middleware verified, if any.
func From(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
