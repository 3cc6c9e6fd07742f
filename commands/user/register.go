package user

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore"
)

// OrphanAfter is how old a claim whose account never appeared must be
// before another registration may take the email over. A registration
// writes its claim and its account within one request, so a minute is
// ample; a younger orphan may still be completing.
const OrphanAfter = time.Minute

// RegisterCmd opens an account. ByRole is the caller's role ("" when
// anonymous): anyone may register as a customer or influencer, only staff
// create vendor, admin and auditor accounts (user.MayGrant).
type RegisterCmd struct {
	Email    string
	Password string
	Role     user.Role
	VendorID domain.VendorID
	Profile  user.Profile
	ByRole   user.Role
}

// Registered is where a registration left the account.
type Registered struct {
	UserID user.ID
	commands.Result
}

// Register checks every field and the password's strength at once, checks
// the email is free (before spending bcrypt time on it), hashes the
// password, claims the normalized email (the stream appended with "no
// stream" expected: two registrations of one email cannot both win), then
// opens the account. The account's ID derives from the command ID and the
// email, so a retry with the same Idempotency-Key lands on the same account.
type Register struct{ Deps }

// Handle runs the command.
func (h Register) Handle(ctx context.Context, cmd RegisterCmd, meta commands.Meta) (Registered, error) {
	if meta.CommandID == "" {
		meta.CommandID = uuid.NewString()
	}
	email := user.NormalizeEmail(cmd.Email)
	// The email is part of the derivation: an Idempotency-Key reused (by
	// mistake, or by another anonymous client) for another email must not
	// point that email's claim at the first registration's account.
	id := user.ID(commands.DeriveID(meta.CommandID, "user\x00"+email))
	if meta.Actor.UserID == "" {
		meta.Actor = eventstore.Actor{UserID: string(id), Role: string(cmd.Role)}
	}
	reg := user.Register{Email: email, Role: cmd.Role, VendorID: cmd.VendorID, Profile: cmd.Profile}
	if cmd.ByRole != "" {
		reg.By = user.ID(meta.Actor.UserID)
	}
	if err := validate(id, reg, cmd.Password); err != nil {
		return Registered{}, err
	}
	if err := user.MayGrant(cmd.ByRole, cmd.Role); err != nil {
		return Registered{}, err
	}
	orphan, err := h.available(ctx, email, id)
	if err != nil {
		return Registered{}, err
	}
	hash, err := h.Passwords.Hash(cmd.Password)
	if err != nil {
		return Registered{}, err
	}
	reg.PasswordHash = hash
	if err := h.claim(ctx, meta, email, id, orphan); err != nil {
		return Registered{}, err
	}
	res, err := h.run(ctx, meta, id, func(u *user.User, now time.Time) error { return u.Register(reg, now) })
	return Registered{UserID: id, Result: res}, err
}

// validate lists the password's problems with every other field's, by a
// dry run of the domain's decision with a stand-in hash: one answer lists
// all of them, and no bcrypt time is spent on a request that will fail.
func validate(id user.ID, reg user.Register, password string) error {
	var v domain.Validation
	user.CheckPassword(&v, "password", password, reg.Email)
	reg.PasswordHash = standInHash
	err := user.New(id).Register(reg, time.Time{})
	de, ok := errors.AsType[*domain.Error](err)
	switch {
	case err == nil:
	case ok && de.Kind == domain.Invalid:
		for _, p := range de.Problems {
			if p.Field != "password_hash" {
				v.Add(p.Field, p.Code, "%s", p.Message)
			}
		}
	default:
		return err
	}
	return v.Err()
}

// standInHash has the shape of a bcrypt hash and matches no password.
const standInHash = "$2a$10$0000000000000000000000000000000000000000000000000000."

// available finds whether email may be claimed for id before any bcrypt
// work is spent: free, already id's (a retry), or held by an orphan (a
// claim older than OrphanAfter whose account was never written), which it
// names. Otherwise the email is taken.
func (h Register) available(ctx context.Context, email string, id user.ID) (orphan user.ID, err error) {
	taken := domain.Errorf(domain.Conflict, user.CodeEmailTaken, "this email is registered")
	c, err := h.owner(ctx, email)
	switch {
	case err != nil:
		return "", err
	case c.Owner() == "" || c.Owner() == id:
		return "", nil
	case h.Now().Sub(c.ClaimedAt()) < OrphanAfter:
		return "", taken
	}
	there, err := h.exists(ctx, c.Owner())
	switch {
	case err != nil:
		return "", err
	case there:
		return "", taken
	}
	return c.Owner(), nil
}

// claim takes the email for id (over from orphan, if named). Against a
// racing registration the append's expected revision decides: the loser
// reloads, finds another owner, and is refused.
func (h Register) claim(ctx context.Context, meta commands.Meta, email string, id, orphan user.ID) error {
	now := h.Now()
	step, err := h.claimStep(ctx, email, func(c *user.Claim) error { return c.Take(user.Take{UserID: id, Orphan: orphan}, now) })
	if err == nil {
		_, err = commands.Execute(ctx, h.Exec, meta, step)
	}
	return err
}
