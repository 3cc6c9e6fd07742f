package user

import (
	"context"
	"errors"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore"
)

// Refresh trades a refresh token for the next one, and says who the user
// is now (their role may have changed since the login). A token already
// traded revokes its whole family: the revocation is stored first, then the
// refusal (auth.refresh_reused) is returned.
type Refresh struct{ Deps }

// Handle runs the command.
func (h Refresh) Handle(ctx context.Context, token string, meta commands.Meta) (Session, error) {
	sid, hash, err := parseToken(token)
	if err != nil {
		return Session{}, err
	}
	stream, err := SessionStream(sid)
	if err != nil {
		return Session{}, err
	}
	next := newToken(sid)
	now := h.Now()
	var (
		reused  bool
		owner   user.ID
		expires time.Time
	)
	_, err = commands.Execute(ctx, h.Exec, meta, commands.Step[*user.Session]{Stream: stream,
		New: func() *user.Session { return user.NewSession(sid) },
		Decide: func(s *user.Session) error {
			err := s.Rotate(user.Rotate{TokenHash: hash, NextHash: sha256hex(next)}, now)
			owner, expires, reused = s.UserID(), s.ExpiresAt(), errors.As(err, new(user.ReuseError))
			if reused {
				return nil // store the revocation; refuse below
			}
			return err
		}})
	if err != nil {
		return Session{}, err
	}
	if reused {
		return Session{}, domain.Errorf(domain.Unauthenticated, user.CodeRefreshReused, "this refresh token was already used; the session is revoked, log in again")
	}
	u, err := h.Load(ctx, owner)
	if err != nil {
		return Session{}, err
	}
	if u.Forgotten() { // sessions outlive no erasure
		return Session{}, domain.Errorf(domain.Unauthenticated, user.CodeForgotten, "this account was closed; its sessions ended")
	}
	return Session{UserID: u.ID(), Role: u.Role(), VendorID: u.VendorID(), SessionID: sid, RefreshToken: next, ExpiresAt: expires}, nil
}

// Logout revokes the family of a refresh token. A malformed, unknown or
// already revoked token changes nothing and is not an error: logging out
// twice is fine, and the answer tells a guesser nothing.
type Logout struct{ Deps }

// Handle runs the command.
func (h Logout) Handle(ctx context.Context, token string, meta commands.Meta) (commands.Result, error) {
	sid, hash, err := parseToken(token)
	if err != nil {
		return commands.Result{}, nil
	}
	stream, err := SessionStream(sid)
	if err != nil {
		return commands.Result{}, nil
	}
	now := h.Now()
	return commands.Execute(ctx, h.Exec, meta, commands.Step[*user.Session]{Stream: stream,
		New: func() *user.Session { return user.NewSession(sid) },
		Decide: func(s *user.Session) error {
			if meta.Actor.UserID == "" && s.UserID() != "" {
				meta.Actor = eventstore.Actor{UserID: string(s.UserID())}
			}
			return s.Revoke(user.Revoke{TokenHash: hash, Reason: user.RevokedLogout}, now)
		}})
}
