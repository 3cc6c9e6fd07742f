package user

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore"
)

// CodeBadCredentials is the one refusal of a login with an unknown email
// or a wrong password: the answer never says which.
const CodeBadCredentials = "auth.bad_credentials"

// maxPasswordInput bounds what a login reads as a password; longer never
// matches (bcrypt uses 72 bytes) and is refused before any work.
const maxPasswordInput = 1024

// Session is what a login or a refresh hands the caller: who they are now,
// and the refresh token, shown once and stored only as a hash.
type Session struct {
	UserID       user.ID
	Role         user.Role
	VendorID     domain.VendorID
	SessionID    user.SessionID
	RefreshToken string
	ExpiresAt    time.Time
}

// Login checks an email and a password. An unknown email costs the same
// bcrypt time as a wrong password and gets the same answer. A wrong
// password is recorded on the account; the fifth within the window locks
// the login (user.LockedError, RateLimited), and a locked account is
// refused before any bcrypt work. A right one clears the failures and
// starts a session: a refresh-token family of its own stream.
type Login struct{ Deps }

// Handle runs the command. A successful login's events carry the user as
// their actor.
func (h Login) Handle(ctx context.Context, email, password string, meta commands.Meta) (Session, error) {
	email = user.NormalizeEmail(email)
	var v domain.Validation
	user.CheckEmail(&v, "email", email)
	v.Text("password", password, maxPasswordInput)
	if err := v.Err(); err != nil {
		return Session{}, err
	}
	badCredentials := domain.Errorf(domain.Unauthenticated, CodeBadCredentials, "the email or the password is wrong")
	claim, err := h.owner(ctx, email)
	if err != nil {
		return Session{}, err
	}
	if claim.Owner() == "" {
		h.Passwords.Waste(password)
		return Session{}, badCredentials
	}
	u, err := h.Load(ctx, claim.Owner())
	if errors.Is(err, &domain.Error{Code: user.CodeNotRegistered}) { // an orphan claim
		h.Passwords.Waste(password)
		return Session{}, badCredentials
	}
	if err != nil {
		return Session{}, err
	}
	if err := u.CanLogIn(h.Now()); err != nil {
		return Session{}, err
	}
	// A failure is recorded with the caller's actor as given (anonymous on
	// the login route), never as the account's owner: an auditor must not
	// read someone's guessing as that person's act.
	if !h.Passwords.Match(u.PasswordHash(), password) {
		var lockErr error
		_, err := h.run(ctx, meta, u.ID(), func(u *user.User, now time.Time) error {
			err := u.FailLogin(now)
			if err == nil {
				lockErr = u.CanLogIn(now)
			}
			return err
		})
		switch {
		case err != nil:
			return Session{}, err
		case lockErr != nil: // the fifth failure, stored, is answered with the lockout
			return Session{}, lockErr
		}
		return Session{}, badCredentials
	}
	meta.Actor = eventstore.Actor{UserID: string(u.ID()), Role: string(u.Role())}
	if _, err := h.run(ctx, meta, u.ID(), func(u *user.User, now time.Time) error { return u.SucceedLogin(now) }); err != nil {
		return Session{}, err
	}
	return h.start(ctx, meta, u)
}

// start opens a refresh-token family for an account.
func (h Login) start(ctx context.Context, meta commands.Meta, u *user.User) (Session, error) {
	sid := user.SessionID(uuid.NewString())
	token := newToken(sid)
	stream, err := SessionStream(sid)
	if err != nil {
		return Session{}, err
	}
	now := h.Now()
	var expires time.Time
	_, err = commands.Execute(ctx, h.Exec, meta, commands.Step[*user.Session]{Stream: stream,
		New: func() *user.Session { return user.NewSession(sid) },
		Decide: func(s *user.Session) error {
			err := s.Start(user.Start{UserID: u.ID(), TokenHash: sha256hex(token)}, now)
			expires = s.ExpiresAt()
			return err
		}})
	if err != nil {
		return Session{}, err
	}
	return Session{UserID: u.ID(), Role: u.Role(), VendorID: u.VendorID(), SessionID: sid, RefreshToken: token, ExpiresAt: expires}, nil
}

// newToken is "<session ID>.<256 random bits, base64url>": opaque to the
// client, and it names the stream to load without any lookup table.
func newToken(sid user.SessionID) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return string(sid) + "." + base64.RawURLEncoding.EncodeToString(b)
}

// parseToken splits a refresh token and checks its shape; the hash of the
// whole token is what the session stores.
func parseToken(token string) (user.SessionID, string, error) {
	bad := domain.Errorf(domain.Unauthenticated, user.CodeRefreshInvalid, "the refresh token is malformed")
	sid, secret, ok := strings.Cut(token, ".")
	if !ok || len(token) > 200 || !domain.ValidID(sid) {
		return "", "", bad
	}
	if b, err := base64.RawURLEncoding.DecodeString(secret); err != nil || len(b) != 32 {
		return "", "", bad
	}
	return user.SessionID(sid), sha256hex(token), nil
}
