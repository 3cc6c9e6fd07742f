package user

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain/user"
)

// UpdateProfile replaces a user's profile.
type UpdateProfile struct{ Deps }

// Handle runs the command.
func (h UpdateProfile) Handle(ctx context.Context, cmd For[user.UpdateProfile], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.UserID, func(u *user.User, now time.Time) error { return u.UpdateProfile(cmd.Cmd, now) })
}

// AddAddress adds an entry to a user's address book.
type AddAddress struct{ Deps }

// Handle runs the command.
func (h AddAddress) Handle(ctx context.Context, cmd For[user.AddAddress], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.UserID, func(u *user.User, now time.Time) error { return u.AddAddress(cmd.Cmd, now) })
}

// RemoveAddress drops an entry of a user's address book.
type RemoveAddress struct{ Deps }

// Handle runs the command.
func (h RemoveAddress) Handle(ctx context.Context, cmd For[user.RemoveAddress], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.UserID, func(u *user.User, now time.Time) error { return u.RemoveAddress(cmd.Cmd, now) })
}

// SetDefaultAddress picks the address checkout ships to by default.
type SetDefaultAddress struct{ Deps }

// Handle runs the command.
func (h SetDefaultAddress) Handle(ctx context.Context, cmd For[user.SetDefaultAddress], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.UserID, func(u *user.User, now time.Time) error { return u.SetDefaultAddress(cmd.Cmd, now) })
}

// ChangeRole gives a user another role; staff only (user.MayGrant).
type ChangeRole struct{ Deps }

// Handle runs the command.
func (h ChangeRole) Handle(ctx context.Context, cmd For[user.ChangeRole], meta commands.Meta) (commands.Result, error) {
	return h.run(ctx, meta, cmd.UserID, func(u *user.User, now time.Time) error { return u.ChangeRole(cmd.Cmd, now) })
}
