package user

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// Claim is the ownership of one normalized email: the stream that makes
// emails unique. Its first event is appended expecting no stream.
type Claim struct {
	root  domain.Root
	email string
	owner ID
	at    time.Time
}

// NewClaim returns the claim of a normalized email before any event.
func NewClaim(email string) *Claim { return &Claim{email: email} }

func (c *Claim) Owner() ID               { return c.owner }
func (c *Claim) ClaimedAt() time.Time    { return c.at }
func (c *Claim) Version() uint64         { return c.root.Version() }
func (c *Claim) Changes() []domain.Event { return c.root.Changes() }

// Take claims the email for a user. Taking it again for the same user is a
// retry. Orphan names the current owner when the command layer found that
// owner's registration never landed (the process died between the claim
// and the account): only then may another user take the email over, and
// only from that owner, so two takeovers cannot both win.
type Take struct {
	UserID ID
	Orphan ID
}

func (c *Claim) Take(cmd Take, now time.Time) error {
	var v domain.Validation
	v.ID("user_id", string(cmd.UserID))
	CheckEmail(&v, "email", c.email)
	if err := v.Err(); err != nil {
		return err
	}
	switch {
	case c.owner == cmd.UserID:
		return nil
	case c.owner != "" && (cmd.Orphan == "" || cmd.Orphan != c.owner):
		return domain.Errorf(domain.Conflict, CodeEmailTaken, "this email is registered")
	}
	c.raise(EmailClaimed{Email: c.email, UserID: cmd.UserID, At: now})
	return nil
}

// Release frees the email of a forgotten owner. Releasing an email owned
// by somebody else, or already free, does nothing.
func (c *Claim) Release(owner ID, now time.Time) {
	if owner != "" && c.owner == owner {
		c.raise(EmailReleased{UserID: owner, At: now})
	}
}

// Apply replays a stored event. It never fails.
func (c *Claim) Apply(e domain.Event) {
	c.apply(e)
	c.root.Loaded()
}

func (c *Claim) raise(e domain.Event) {
	c.apply(e)
	c.root.Record(e)
}

func (c *Claim) apply(e domain.Event) {
	// The email is the stream's own key, known before any event; the
	// event's copy is sealed personal data and reads as erased once its
	// owner is forgotten, so it is never taken from there.
	switch e := e.(type) {
	case EmailClaimed:
		c.owner, c.at = e.UserID, e.At
	case EmailReleased:
		c.owner, c.at = "", e.At
	}
}
