package user

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/user"
)

// Shredder destroys a customer's data key, so every personal field sealed
// with it reads as erased (internal/pii.Store does).
type Shredder interface {
	Forget(ctx context.Context, subject string) error
}

// ForgetCmd erases one user's personal data; Reason is staff's short note.
type ForgetCmd struct {
	UserID user.ID
	Reason string
}

// Forget records user.forgotten, frees the user's email (read while it can
// still be), then destroys the data key. Each step is idempotent and the
// key goes last, so a run cut short is finished by running it again; no
// step rewrites a stored event.
type Forget struct {
	Deps
	Keys Shredder
}

// Handle runs the command.
func (h Forget) Handle(ctx context.Context, cmd ForgetCmd, meta commands.Meta) (commands.Result, error) {
	u, err := h.Load(ctx, cmd.UserID)
	if err != nil {
		return commands.Result{}, err
	}
	email := u.Email()
	res, err := h.run(ctx, meta, cmd.UserID, func(u *user.User, now time.Time) error {
		return u.Forget(user.Forget{Reason: cmd.Reason, By: user.ID(meta.Actor.UserID)}, now)
	})
	if err != nil {
		return res, err
	}
	if user.CheckEmail(new(domain.Validation), "email", email) { // not already erased by an earlier run
		now := h.Now()
		step, err := h.claimStep(ctx, email, func(c *user.Claim) error { c.Release(cmd.UserID, now); return nil })
		if err == nil {
			_, err = commands.Execute(ctx, h.Exec, meta, step)
		}
		if err != nil {
			return res, err
		}
	}
	return res, h.Keys.Forget(ctx, string(cmd.UserID))
}
