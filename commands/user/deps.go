package user

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore"
)

// Deps are what every handler here needs: the executor, a clock injected so
// tests decide at a time of their choosing, and the password hasher.
type Deps struct {
	Exec      *commands.Executor
	Now       func() time.Time
	Passwords *Passwords
}

// Stream names of the three aggregates. IDs pass domain.ValidID, whose
// alphabet has no '@', so the email claim is keyed by a hash of the
// normalized email (which also keeps addresses out of stream names).
const (
	prefixUser    = "user-"
	prefixClaim   = "user_email-"
	prefixSession = "user_session-"
)

// UserStream names the stream of one account.
func UserStream(id user.ID) (string, error) { return named(prefixUser, "user_id", string(id)) }

// SessionStream names the stream of one refresh-token family.
func SessionStream(id user.SessionID) (string, error) {
	return named(prefixSession, "session_id", string(id))
}

// ClaimStream names the stream that owns a normalized email.
func ClaimStream(email string) string { return prefixClaim + sha256hex(email) }

func named(prefix, field, id string) (string, error) {
	var v domain.Validation
	if v.ID(field, id); v.Err() != nil {
		return "", v.Err()
	}
	return prefix + id, nil
}

// For addresses a domain command to one account.
type For[C any] struct {
	UserID user.ID
	Cmd    C
}

// run loads an account, lets it decide at now, and appends what it raised.
func (d Deps) run(ctx context.Context, meta commands.Meta, id user.ID, decide func(*user.User, time.Time) error) (commands.Result, error) {
	stream, err := UserStream(id)
	if err != nil {
		return commands.Result{}, err
	}
	now := d.Now()
	return commands.Execute(ctx, d.Exec, meta, commands.Step[*user.User]{
		Stream: stream,
		New:    func() *user.User { return user.New(id) },
		Decide: func(u *user.User) error { return decide(u, now) },
	})
}

// Load reads an account as it stands; NotFound when there is none.
func (d Deps) Load(ctx context.Context, id user.ID) (*user.User, error) {
	stream, err := UserStream(id)
	if err != nil {
		return nil, err
	}
	u, err := commands.Decide(ctx, d.Exec, commands.Step[*user.User]{Stream: stream, New: func() *user.User { return user.New(id) },
		Decide: func(*user.User) error { return nil }})
	if err != nil {
		return nil, err
	}
	if !u.Exists() {
		return nil, domain.Errorf(domain.NotFound, user.CodeNotRegistered, "user %s is not registered", id)
	}
	return u, nil
}

// owner is who holds a normalized email now ("" for nobody), and since when.
func (d Deps) owner(ctx context.Context, email string) (*user.Claim, error) {
	return commands.Decide(ctx, d.Exec, commands.Step[*user.Claim]{Stream: ClaimStream(email),
		New: func() *user.Claim { return user.NewClaim(email) }, Decide: func(*user.Claim) error { return nil }})
}

// exists says whether an account's stream holds anything.
func (d Deps) exists(ctx context.Context, id user.ID) (bool, error) {
	stream, err := UserStream(id)
	if err != nil {
		return false, err
	}
	_, err = d.Exec.Store().ReadStream(ctx, stream, eventstore.ReadStreamOptions{Limit: 1})
	switch {
	case errors.Is(err, eventstore.ErrStreamNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("user: read %s: %w", stream, err)
	}
	return true, nil
}
