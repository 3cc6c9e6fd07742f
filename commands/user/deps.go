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
// normalized email (which also keeps addresses out of stream names): a
// keyed hash where the store offers one (claimStream), else SHA-256.
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

// ClaimStream names the stream that owns a normalized email by its
// unkeyed SHA-256: the only name before keyed names began, and the name
// still used where the store offers no Pseudonym.
func ClaimStream(email string) string { return prefixClaim + sha256hex(email) }

// pseudonyms is the store's keyed hash (internal/pii.Store has it).
type pseudonyms interface {
	Pseudonym(ctx context.Context, purpose, value string) (string, error)
}

// claimStream names the stream that owns a normalized email. Stream names
// are plaintext for ever, and anyone holding the log can test a guessed
// email against an unkeyed hash; so, where the store offers one, a new
// claim is named by a keyed hash (HMAC-SHA256, key in the keyring). A
// claim stored before keyed names began keeps its SHA-256 stream: found
// there first, so its owner keeps the email and logs in, and it is taken
// over or released there. Both kinds are 64 hex characters.
func (d Deps) claimStream(ctx context.Context, email string) (string, error) {
	p, ok := d.Exec.Store().(pseudonyms)
	if !ok {
		return ClaimStream(email), nil
	}
	legacy := ClaimStream(email)
	_, err := d.Exec.Store().ReadStream(ctx, legacy, eventstore.ReadStreamOptions{Limit: 1})
	switch {
	case err == nil:
		return legacy, nil
	case !errors.Is(err, eventstore.ErrStreamNotFound):
		return "", fmt.Errorf("user: read %s: %w", legacy, err)
	}
	h, err := p.Pseudonym(ctx, "email-claim", email)
	if err != nil {
		return "", err
	}
	return prefixClaim + h, nil
}

// claimStep is a decision on the claim of a normalized email.
func (d Deps) claimStep(ctx context.Context, email string, decide func(*user.Claim) error) (commands.Step[*user.Claim], error) {
	stream, err := d.claimStream(ctx, email)
	return commands.Step[*user.Claim]{Stream: stream, New: func() *user.Claim { return user.NewClaim(email) }, Decide: decide}, err
}

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
	step, err := d.claimStep(ctx, email, func(*user.Claim) error { return nil })
	if err != nil {
		return nil, err
	}
	return commands.Decide(ctx, d.Exec, step)
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
