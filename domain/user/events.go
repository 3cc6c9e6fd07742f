package user

import (
	"time"

	"github.com/souq-market/souq/domain"
)

// Wire names of user events; stable for ever.
const (
	TypeRegistered        = "user.registered"
	TypeProfileUpdated    = "user.profile_updated"
	TypeAddressAdded      = "user.address_added"
	TypeAddressRemoved    = "user.address_removed"
	TypeDefaultAddressSet = "user.default_address_set"
	TypeRoleChanged       = "user.role_changed"
	TypeLoginFailed       = "user.login_failed"
	TypeLockedOut         = "user.locked_out"
	TypeFailuresCleared   = "user.login_failures_cleared"
	TypeEmailClaimed      = "user.email_claimed"
	TypeSessionStarted    = "user.session_started"
	TypeSessionRotated    = "user.session_rotated"
	TypeSessionRevoked    = "user.session_revoked"
	TypeForgotten         = "user.forgotten"
	TypeEmailReleased     = "user.email_released"
)

// SchemaVersion is the current schema of every event here.
const SchemaVersion = 1

// Registered: an account exists. PasswordHash is a bcrypt hash, never the
// password; By is the staff user who created the account, empty when the
// person registered themselves.
type Registered struct {
	UserID       ID              `json:"user_id"`
	Email        string          `json:"email"`
	PasswordHash string          `json:"password_hash"`
	Role         Role            `json:"role"`
	VendorID     domain.VendorID `json:"vendor_id,omitempty"`
	Profile      Profile         `json:"profile"`
	By           ID              `json:"by,omitempty"`
	At           time.Time       `json:"at"`
}

// ProfileUpdated: the user's own details changed.
type ProfileUpdated struct {
	Profile Profile   `json:"profile"`
	At      time.Time `json:"at"`
}

// AddressAdded: an address joined the address book. The first one becomes
// the default.
type AddressAdded struct {
	AddressID AddressID `json:"address_id"`
	Address   Address   `json:"address"`
	At        time.Time `json:"at"`
}

// AddressRemoved: an address left the address book.
type AddressRemoved struct {
	AddressID AddressID `json:"address_id"`
	At        time.Time `json:"at"`
}

// DefaultAddressSet: checkout ships here unless told otherwise.
type DefaultAddressSet struct {
	AddressID AddressID `json:"address_id"`
	At        time.Time `json:"at"`
}

// RoleChanged: staff gave the user another role.
type RoleChanged struct {
	Role     Role            `json:"role"`
	VendorID domain.VendorID `json:"vendor_id,omitempty"`
	By       ID              `json:"by"`
	At       time.Time       `json:"at"`
}

// LoginFailed: a wrong password; Failures counts them within FailureWindow.
type LoginFailed struct {
	Failures int       `json:"failures"`
	At       time.Time `json:"at"`
}

// LockedOut: too many failures; no password is checked until Until.
type LockedOut struct {
	Until time.Time `json:"until"`
	At    time.Time `json:"at"`
}

// FailuresCleared: a successful login forgot the earlier failures.
type FailuresCleared struct {
	At time.Time `json:"at"`
}

// EmailClaimed: the normalized email belongs to UserID. The first claim of
// a stream is appended expecting no stream, so two registrations racing
// for one email cannot both win.
type EmailClaimed struct {
	Email  string    `json:"email"`
	UserID ID        `json:"user_id"`
	At     time.Time `json:"at"`
}

// SessionStarted: a login issued the first refresh token of a family.
// Only its SHA-256 hash is kept.
type SessionStarted struct {
	SessionID SessionID `json:"session_id"`
	UserID    ID        `json:"user_id"`
	TokenHash string    `json:"token_hash"`
	ExpiresAt time.Time `json:"expires_at"`
	At        time.Time `json:"at"`
}

// SessionRotated: a refresh token was used and replaced by another.
type SessionRotated struct {
	OldHash   string    `json:"old_hash"`
	TokenHash string    `json:"token_hash"`
	ExpiresAt time.Time `json:"expires_at"`
	At        time.Time `json:"at"`
}

// SessionRevoked: no token of the family is accepted any more.
type SessionRevoked struct {
	Reason RevokeReason `json:"reason"`
	At     time.Time    `json:"at"`
}

// Forgotten: the customer's personal data was erased (their data key
// destroyed, so every sealed field of theirs reads as erased). It carries
// no personal data itself; Reason is staff's short note ("gdpr request
// 2026-114"), By the staff member.
type Forgotten struct {
	Reason string    `json:"reason,omitempty"`
	By     ID        `json:"by"`
	At     time.Time `json:"at"`
}

// EmailReleased: the email's owner was forgotten, so the email is free to
// be registered again.
type EmailReleased struct {
	UserID ID        `json:"user_id"`
	At     time.Time `json:"at"`
}

func (Registered) EventType() string        { return TypeRegistered }
func (ProfileUpdated) EventType() string    { return TypeProfileUpdated }
func (AddressAdded) EventType() string      { return TypeAddressAdded }
func (AddressRemoved) EventType() string    { return TypeAddressRemoved }
func (DefaultAddressSet) EventType() string { return TypeDefaultAddressSet }
func (RoleChanged) EventType() string       { return TypeRoleChanged }
func (LoginFailed) EventType() string       { return TypeLoginFailed }
func (LockedOut) EventType() string         { return TypeLockedOut }
func (FailuresCleared) EventType() string   { return TypeFailuresCleared }
func (EmailClaimed) EventType() string      { return TypeEmailClaimed }
func (SessionStarted) EventType() string    { return TypeSessionStarted }
func (SessionRotated) EventType() string    { return TypeSessionRotated }
func (SessionRevoked) EventType() string    { return TypeSessionRevoked }
func (Forgotten) EventType() string         { return TypeForgotten }
func (EmailReleased) EventType() string     { return TypeEmailReleased }

func (Registered) SchemaVersion() int        { return SchemaVersion }
func (ProfileUpdated) SchemaVersion() int    { return SchemaVersion }
func (AddressAdded) SchemaVersion() int      { return SchemaVersion }
func (AddressRemoved) SchemaVersion() int    { return SchemaVersion }
func (DefaultAddressSet) SchemaVersion() int { return SchemaVersion }
func (RoleChanged) SchemaVersion() int       { return SchemaVersion }
func (LoginFailed) SchemaVersion() int       { return SchemaVersion }
func (LockedOut) SchemaVersion() int         { return SchemaVersion }
func (FailuresCleared) SchemaVersion() int   { return SchemaVersion }
func (EmailClaimed) SchemaVersion() int      { return SchemaVersion }
func (SessionStarted) SchemaVersion() int    { return SchemaVersion }
func (SessionRotated) SchemaVersion() int    { return SchemaVersion }
func (SessionRevoked) SchemaVersion() int    { return SchemaVersion }
func (Forgotten) SchemaVersion() int         { return SchemaVersion }
func (EmailReleased) SchemaVersion() int     { return SchemaVersion }

// Events lists one zero value of every event type.
func Events() []domain.Event {
	return []domain.Event{Registered{}, ProfileUpdated{}, AddressAdded{}, AddressRemoved{}, DefaultAddressSet{}, RoleChanged{},
		LoginFailed{}, LockedOut{}, FailuresCleared{}, EmailClaimed{}, SessionStarted{}, SessionRotated{}, SessionRevoked{},
		Forgotten{}, EmailReleased{}}
}
