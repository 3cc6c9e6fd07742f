package user

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// SessionID names one refresh-token family: the tokens descending, by
// rotation, from one login.
type SessionID string

// RevokeReason says why a family ended.
type RevokeReason string

const (
	RevokedLogout RevokeReason = "logout"
	// RevokedReuse: a token already rotated away came back. Either the
	// client or a thief holds a copy; neither may continue.
	RevokedReuse RevokeReason = "reuse"
)

// RefreshTTL is how long each refresh token is valid from its issue.
const RefreshTTL = 30 * 24 * time.Hour

// Codes of refresh refusals, all Unauthenticated (401). They tell the
// holder of a token what happened to it, nothing about any other token: a
// token never issued gets the same code as a malformed one.
const (
	CodeRefreshInvalid = "auth.refresh_invalid"
	CodeRefreshExpired = "auth.refresh_expired"
	CodeRefreshReused  = "auth.refresh_reused"
	CodeRefreshRevoked = "auth.refresh_revoked"
)

// Session is one refresh-token family. It keeps only SHA-256 hashes: the
// current token's, and those of every token rotated away, to tell reuse
// (revoke the family) from a forgery (refuse, change nothing: revoking on a
// guessed session ID would let anyone log anyone out).
type Session struct {
	root    domain.Root
	id      SessionID
	user    ID
	current string
	expires time.Time
	used    map[string]bool
	revoked RevokeReason
}

// NewSession returns the session with this ID before any event.
func NewSession(id SessionID) *Session { return &Session{id: id, used: map[string]bool{}} }

func (s *Session) ID() SessionID           { return s.id }
func (s *Session) UserID() ID              { return s.user }
func (s *Session) Revoked() RevokeReason   { return s.revoked }
func (s *Session) ExpiresAt() time.Time    { return s.expires }
func (s *Session) Version() uint64         { return s.root.Version() }
func (s *Session) Changes() []domain.Event { return s.root.Changes() }

// Start issues the first token of the family after a login.
type Start struct {
	UserID    ID
	TokenHash string
}

func (s *Session) Start(cmd Start, now time.Time) error {
	var v domain.Validation
	v.ID("session_id", string(s.id))
	v.ID("user_id", string(cmd.UserID))
	checkHash(&v, "token_hash", cmd.TokenHash)
	if err := v.Err(); err != nil {
		return err
	}
	if s.user != "" {
		if s.user == cmd.UserID && s.current == cmd.TokenHash && !s.used[cmd.TokenHash] {
			return nil // a retry
		}
		return domain.Errorf(domain.Conflict, CodeRefreshInvalid, "session %s exists", s.id)
	}
	s.raise(SessionStarted{SessionID: s.id, UserID: cmd.UserID, TokenHash: cmd.TokenHash, ExpiresAt: now.Add(RefreshTTL), At: now})
	return nil
}

// Rotate trades a token for the next one. A token already rotated away
// revokes the family: the decision raises the revocation and returns a
// *ReuseError, which the command layer turns into a refusal after the
// revocation is stored.
type Rotate struct {
	TokenHash string // of the token presented
	NextHash  string // of the token to issue
}

// ReuseError is what Rotate returns when the
// presented token was already used; the aggregate raised SessionRevoked.
type ReuseError struct{}

func (ReuseError) Error() string { return "refresh token reused; the session is revoked" }

func (s *Session) Rotate(cmd Rotate, now time.Time) error {
	var v domain.Validation
	checkHash(&v, "token_hash", cmd.TokenHash)
	checkHash(&v, "next_hash", cmd.NextHash)
	if err := v.Err(); err != nil {
		return err
	}
	switch {
	case s.user == "":
		return domain.Errorf(domain.Unauthenticated, CodeRefreshInvalid, "no such session")
	case s.revoked != "":
		return domain.Errorf(domain.Unauthenticated, CodeRefreshRevoked, "the session was revoked (%s)", s.revoked)
	case s.used[cmd.TokenHash]:
		s.raise(SessionRevoked{Reason: RevokedReuse, At: now})
		return ReuseError{}
	case cmd.TokenHash != s.current:
		return domain.Errorf(domain.Unauthenticated, CodeRefreshInvalid, "unknown refresh token")
	case !now.Before(s.expires):
		return domain.Errorf(domain.Unauthenticated, CodeRefreshExpired, "the refresh token expired at %s", s.expires.UTC().Format(time.RFC3339))
	}
	s.raise(SessionRotated{OldHash: cmd.TokenHash, TokenHash: cmd.NextHash, ExpiresAt: now.Add(RefreshTTL), At: now})
	return nil
}

// Revoke ends the family on logout. The token presented must be one the
// family issued (current or used); anything else changes nothing.
type Revoke struct {
	TokenHash string
	Reason    RevokeReason
}

func (s *Session) Revoke(cmd Revoke, now time.Time) error {
	var v domain.Validation
	checkHash(&v, "token_hash", cmd.TokenHash)
	v.Check(cmd.Reason == RevokedLogout || cmd.Reason == RevokedReuse, "reason", domain.ProblemInvalid, "unknown reason %q", cmd.Reason)
	if err := v.Err(); err != nil {
		return err
	}
	if s.user == "" || s.revoked != "" || (cmd.TokenHash != s.current && !s.used[cmd.TokenHash]) {
		return nil
	}
	s.raise(SessionRevoked{Reason: cmd.Reason, At: now})
	return nil
}

// checkHash requires a hex SHA-256.
func checkHash(v *domain.Validation, field, h string) {
	ok := len(h) == 64
	for _, r := range h {
		ok = ok && (r >= '0' && r <= '9' || r >= 'a' && r <= 'f')
	}
	v.Check(ok, field, domain.ProblemInvalid, "is not a hex SHA-256")
}

// Apply replays a stored event. It never fails.
func (s *Session) Apply(e domain.Event) {
	s.apply(e)
	s.root.Loaded()
}

func (s *Session) raise(e domain.Event) {
	s.apply(e)
	s.root.Record(e)
}

func (s *Session) apply(e domain.Event) {
	switch e := e.(type) {
	case SessionStarted:
		s.user, s.current, s.expires = e.UserID, e.TokenHash, e.ExpiresAt
	case SessionRotated:
		s.used[e.OldHash] = true
		s.current, s.expires = e.TokenHash, e.ExpiresAt
	case SessionRevoked:
		s.revoked = e.Reason
	}
}
