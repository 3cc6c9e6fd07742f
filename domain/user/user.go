package user

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/souq-market/souq/domain"
)

// ID identifies a user; the subject of their access tokens. For a customer
// it is also their domain.CustomerID.
type ID string

// AddressID names one entry of an address book.
type AddressID string

// Role is what a user may do; the same names as the access tokens' roles.
type Role string

const (
	Customer   Role = "customer"
	Vendor     Role = "vendor"
	Influencer Role = "influencer"
	Admin      Role = "admin"
	SuperAdmin Role = "super_admin"
	Auditor    Role = "auditor"
)

// Valid says whether r is one of souq's roles.
func (r Role) Valid() bool {
	return slices.Contains([]Role{Customer, Vendor, Influencer, Admin, SuperAdmin, Auditor}, r)
}

// SelfService roles are those a person may give themselves by registering.
func (r Role) SelfService() bool { return r == Customer || r == Influencer }

// Lockout policy: MaxFailures wrong passwords within FailureWindow lock the
// login for LockoutFor. The counter restarts after a success, after a
// lockout, and when the last failure is older than the window.
const (
	MaxFailures   = 5
	FailureWindow = 15 * time.Minute
	LockoutFor    = 15 * time.Minute
	MaxAddresses  = 20
)

// Error codes.
const (
	CodeNotRegistered     = "user.not_registered"
	CodeAlreadyRegistered = "user.already_registered"
	CodeEmailTaken        = "user.email_taken"
	CodeLocked            = "user.locked"
	CodeAddressNotFound   = "user.address_not_found"
	CodeAddressBookFull   = "user.address_book_full"
	CodeAddressExists     = "user.address_exists"
	CodeRoleNotAllowed    = "user.role_not_allowed"
	CodeForgotten         = "user.forgotten"
)

// Profile is what a user says about themselves.
type Profile struct {
	Name   string `json:"name"`
	Phone  string `json:"phone,omitempty"`
	Locale string `json:"locale,omitempty"` // "en" or "ar"
}

// Address is one place checkout can ship to.
type Address struct {
	Label      string         `json:"label,omitempty"` // "home", "office"
	Recipient  string         `json:"recipient"`
	Phone      string         `json:"phone"`
	Line1      string         `json:"line1"`
	Line2      string         `json:"line2,omitempty"`
	City       string         `json:"city"`
	Region     string         `json:"region,omitempty"` // emirate or province
	PostalCode string         `json:"postal_code,omitempty"`
	Country    domain.Country `json:"country"`
}

// LockedError is the refusal of a login while locked out: a RateLimited
// *domain.Error (coded user.locked) that also says until when, so the HTTP
// layer can send Retry-After.
type LockedError struct {
	Until time.Time
	err   error
}

func (e *LockedError) Error() string { return e.err.Error() }
func (e *LockedError) Unwrap() error { return e.err }

func locked(until time.Time) error {
	return &LockedError{Until: until, err: domain.Errorf(domain.RateLimited, CodeLocked, "too many failed logins; try again after %s", until.UTC().Format(time.RFC3339))}
}

// NormalizeEmail is the form emails are stored, compared and claimed in:
// trimmed and lower-cased. Addresses differing only in case are one
// account, which is what people expect even if RFC 5321 allows otherwise.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// CheckEmail records a problem unless email (normalized) looks like an
// address: one '@', a non-empty local part, a dotted domain, no white space
// or control characters, at most 254 bytes.
func CheckEmail(v *domain.Validation, field, email string) bool {
	if !v.Text(field, email, 254) {
		return false
	}
	local, host, ok := strings.Cut(email, "@")
	return v.Check(ok && local != "" && len(local) <= 64 && !strings.Contains(host, "@") && strings.Contains(host, ".") &&
		!strings.HasPrefix(host, ".") && !strings.HasSuffix(host, ".") &&
		!strings.ContainsFunc(email, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }),
		field, domain.ProblemInvalid, "is not an email address")
}

// Password rules, after NIST SP 800-63B: a length, no composition rules,
// and a refusal of the passwords every attacker tries first and of the
// email itself. 72 bytes is bcrypt's limit: longer would be cut silently.
const (
	MinPassword = 10
	MaxPassword = 72
	// ProblemWeak is the problem code of a guessable password.
	ProblemWeak = "weak"
)

// common are passwords of at least MinPassword bytes from the top of the
// public breach lists; lower case, compared case-insensitively.
var common = []string{
	"1234567890", "12345678910", "0987654321", "1q2w3e4r5t", "1qaz2wsx3edc", "qwertyuiop", "password1",
	"password12", "password123", "password1234", "passw0rd123", "iloveyou12", "qwerty1234", "qwerty12345",
	"abcdefghij", "abc1234567", "letmein123", "welcome123", "admin12345", "football12", "princess12",
	"1111111111", "0000000000", "asdfghjkl1", "zaq12wsxcde", "dragon1234", "monkey1234", "changeme123",
}

// CheckPassword records every problem of a new password.
func CheckPassword(v *domain.Validation, field, password, email string) bool {
	n := len(v.Problems())
	switch {
	case password == "":
		v.Add(field, domain.ProblemRequired, "is required")
	case !utf8.ValidString(password):
		v.Add(field, domain.ProblemInvalid, "is not valid UTF-8")
	case len(password) < MinPassword:
		v.Add(field, ProblemWeak, "must be at least %d bytes", MinPassword)
	case len(password) > MaxPassword:
		v.Add(field, domain.ProblemTooLong, "must be at most %d bytes", MaxPassword)
	default:
		lower := strings.ToLower(password)
		local, _, _ := strings.Cut(NormalizeEmail(email), "@")
		first, _ := utf8.DecodeRuneInString(password)
		switch {
		case slices.Contains(common, lower):
			v.Add(field, ProblemWeak, "is one of the most common passwords")
		case strings.Count(password, string(first)) == utf8.RuneCountInString(password):
			v.Add(field, ProblemWeak, "repeats one character")
		case len(local) >= 4 && strings.Contains(lower, local):
			v.Add(field, ProblemWeak, "contains the email address")
		}
	}
	return len(v.Problems()) == n
}

func checkProfile(v *domain.Validation, p Profile) {
	v.Text("profile.name", p.Name, 200)
	if v.OptionalText("profile.phone", p.Phone, 32) && p.Phone != "" {
		v.Check(ValidPhone(p.Phone), "profile.phone", domain.ProblemInvalid, "is not a phone number (+971…)")
	}
	v.Check(p.Locale == "" || p.Locale == "en" || p.Locale == "ar", "profile.locale", domain.ProblemInvalid, "must be en or ar")
}

// ValidPhone accepts an international number: '+', 8–15 digits, spaces
// allowed. The write API checks a parcel's phones with it too.
func ValidPhone(s string) bool {
	if !strings.HasPrefix(s, "+") {
		return false
	}
	digits := 0
	for _, r := range s[1:] {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r != ' ':
			return false
		}
	}
	return digits >= 8 && digits <= 15
}

func checkAddress(v *domain.Validation, a Address) {
	v.OptionalText("address.label", a.Label, 50)
	v.Text("address.recipient", a.Recipient, 200)
	if v.Text("address.phone", a.Phone, 32) {
		v.Check(ValidPhone(a.Phone), "address.phone", domain.ProblemInvalid, "is not a phone number (+971…)")
	}
	v.Text("address.line1", a.Line1, 200)
	v.OptionalText("address.line2", a.Line2, 200)
	v.Text("address.city", a.City, 100)
	v.OptionalText("address.region", a.Region, 100)
	v.OptionalText("address.postal_code", a.PostalCode, 20)
	v.Check(a.Country.Valid(), "address.country", domain.ProblemInvalid, "souq does not ship to %q", a.Country)
}

// User is one account.
type User struct {
	root        domain.Root
	id          ID
	reg         Registered
	role        Role
	vendorID    domain.VendorID
	profile     Profile
	addresses   map[AddressID]Address
	order       []AddressID // insertion order, for listing
	defaultAddr AddressID
	failures    int
	lastFailure time.Time
	lockedUntil time.Time
	forgotten   bool
}

// New returns the user with this ID before any event.
func New(id ID) *User { return &User{id: id, addresses: map[AddressID]Address{}} }

func (u *User) ID() ID                    { return u.id }
func (u *User) Exists() bool              { return u.reg.UserID != "" }
func (u *User) Email() string             { return u.reg.Email }
func (u *User) PasswordHash() string      { return u.reg.PasswordHash }
func (u *User) Role() Role                { return u.role }
func (u *User) VendorID() domain.VendorID { return u.vendorID }
func (u *User) Profile() Profile          { return u.profile }
func (u *User) DefaultAddress() AddressID { return u.defaultAddr }
func (u *User) Failures() int             { return u.failures }
func (u *User) Forgotten() bool           { return u.forgotten }
func (u *User) Version() uint64           { return u.root.Version() }
func (u *User) Changes() []domain.Event   { return u.root.Changes() }

// Address returns an entry of the address book.
func (u *User) Address(id AddressID) (Address, bool) { a, ok := u.addresses[id]; return a, ok }

// Addresses lists the address book in the order entries were added.
func (u *User) Addresses() []AddressID { return slices.Clone(u.order) }

// LockedUntil is when the current lockout ends, and whether there is one at now.
func (u *User) LockedUntil(now time.Time) (time.Time, bool) {
	return u.lockedUntil, now.Before(u.lockedUntil)
}

// Register opens the account. Email must be normalized and PasswordHash a
// bcrypt hash (the command layer checked the password and hashed it). A
// vendor account names the vendor it acts for; only vendors do.
type Register struct {
	Email        string
	PasswordHash string
	Role         Role
	VendorID     domain.VendorID
	Profile      Profile
	By           ID // staff creating the account; "" for self-registration
}

func (u *User) Register(cmd Register, now time.Time) error {
	var v domain.Validation
	v.ID("user_id", string(u.id))
	if CheckEmail(&v, "email", cmd.Email) {
		v.Check(cmd.Email == NormalizeEmail(cmd.Email), "email", domain.ProblemInvalid, "is not normalized")
	}
	v.Check(strings.HasPrefix(cmd.PasswordHash, "$2") && len(cmd.PasswordHash) == 60, "password_hash", domain.ProblemInvalid, "is not a bcrypt hash")
	checkRole(&v, cmd.Role, cmd.VendorID)
	checkProfile(&v, cmd.Profile)
	if err := v.Err(); err != nil {
		return err
	}
	if u.Exists() {
		if u.reg.Email == cmd.Email && u.reg.PasswordHash == cmd.PasswordHash && u.reg.Role == cmd.Role {
			return nil // a retry
		}
		return domain.Errorf(domain.Conflict, CodeAlreadyRegistered, "user %s is registered", u.id)
	}
	u.raise(Registered{UserID: u.id, Email: cmd.Email, PasswordHash: cmd.PasswordHash, Role: cmd.Role, VendorID: cmd.VendorID,
		Profile: cmd.Profile, By: cmd.By, At: now})
	return nil
}

func checkRole(v *domain.Validation, r Role, vendor domain.VendorID) {
	if !v.Check(r.Valid(), "role", domain.ProblemInvalid, "unknown role %q", r) {
		return
	}
	if r == Vendor {
		v.ID("vendor_id", string(vendor))
	} else {
		v.Check(vendor == "", "vendor_id", domain.ProblemInvalid, "only vendor accounts act for a vendor")
	}
}

// UpdateProfile replaces the profile.
type UpdateProfile struct{ Profile Profile }

func (u *User) UpdateProfile(cmd UpdateProfile, now time.Time) error {
	var v domain.Validation
	checkProfile(&v, cmd.Profile)
	if err := v.Err(); err != nil {
		return err
	}
	if err := u.exists(); err != nil {
		return err
	}
	if cmd.Profile == u.profile {
		return nil
	}
	u.raise(ProfileUpdated{Profile: cmd.Profile, At: now})
	return nil
}

// AddAddress adds an entry to the address book; adding the same entry
// under the same ID again is a retry.
type AddAddress struct {
	AddressID AddressID
	Address   Address
	Default   bool
}

func (u *User) AddAddress(cmd AddAddress, now time.Time) error {
	var v domain.Validation
	v.ID("address_id", string(cmd.AddressID))
	checkAddress(&v, cmd.Address)
	if err := v.Err(); err != nil {
		return err
	}
	if err := u.exists(); err != nil {
		return err
	}
	if have, ok := u.addresses[cmd.AddressID]; ok {
		if have == cmd.Address {
			return nil
		}
		return domain.Errorf(domain.Conflict, CodeAddressExists, "address %s holds another address", cmd.AddressID)
	}
	if len(u.addresses) >= MaxAddresses {
		return domain.Errorf(domain.Conflict, CodeAddressBookFull, "an address book holds at most %d addresses", MaxAddresses)
	}
	u.raise(AddressAdded{AddressID: cmd.AddressID, Address: cmd.Address, At: now})
	if cmd.Default && u.defaultAddr != cmd.AddressID {
		u.raise(DefaultAddressSet{AddressID: cmd.AddressID, At: now})
	}
	return nil
}

// RemoveAddress drops an entry; removing one already gone is a retry.
type RemoveAddress struct{ AddressID AddressID }

func (u *User) RemoveAddress(cmd RemoveAddress, now time.Time) error {
	if err := u.exists(); err != nil {
		return err
	}
	if _, ok := u.addresses[cmd.AddressID]; !ok {
		return nil
	}
	u.raise(AddressRemoved{AddressID: cmd.AddressID, At: now})
	return nil
}

// SetDefaultAddress picks where checkout ships by default.
type SetDefaultAddress struct{ AddressID AddressID }

func (u *User) SetDefaultAddress(cmd SetDefaultAddress, now time.Time) error {
	if err := u.exists(); err != nil {
		return err
	}
	if _, ok := u.addresses[cmd.AddressID]; !ok {
		return domain.Errorf(domain.NotFound, CodeAddressNotFound, "no address %s", cmd.AddressID)
	}
	if u.defaultAddr == cmd.AddressID {
		return nil
	}
	u.raise(DefaultAddressSet{AddressID: cmd.AddressID, At: now})
	return nil
}

// ChangeRole gives the user another role. ByRole is the role of the staff
// member deciding: admins manage every role but super_admin, which only a
// super_admin grants or takes away.
type ChangeRole struct {
	Role     Role
	VendorID domain.VendorID
	By       ID
	ByRole   Role
}

func (u *User) ChangeRole(cmd ChangeRole, now time.Time) error {
	var v domain.Validation
	checkRole(&v, cmd.Role, cmd.VendorID)
	v.ID("by", string(cmd.By))
	if err := v.Err(); err != nil {
		return err
	}
	if err := u.exists(); err != nil {
		return err
	}
	if err := MayGrant(cmd.ByRole, cmd.Role); err != nil {
		return err
	}
	if err := MayGrant(cmd.ByRole, u.role); err != nil {
		return err
	}
	if cmd.Role == u.role && cmd.VendorID == u.vendorID {
		return nil
	}
	u.raise(RoleChanged{Role: cmd.Role, VendorID: cmd.VendorID, By: cmd.By, At: now})
	return nil
}

// MayGrant says whether a user of role by may give (or take away) role r:
// anyone may become a customer or influencer by registering; admins manage
// vendor, admin and auditor accounts; only a super_admin manages super_admins.
func MayGrant(by, r Role) error {
	switch {
	case by == SuperAdmin,
		by == Admin && r != SuperAdmin,
		by == "" && r.SelfService():
		return nil
	}
	return domain.Errorf(domain.Forbidden, CodeRoleNotAllowed, "%s may not grant or revoke the role %s", orAnonymous(by), r)
}

func orAnonymous(r Role) string {
	if r == "" {
		return "an anonymous caller"
	}
	return "the role " + string(r)
}

// FailLogin records a wrong password. The MaxFailures-th failure within
// FailureWindow also locks the login for LockoutFor; it succeeds, so the
// events are stored, and the caller sees the lock in LockedUntil. A failure
// while already locked is refused and records nothing: the password was not
// checked.
func (u *User) FailLogin(now time.Time) error {
	if err := u.exists(); err != nil {
		return err
	}
	if until, ok := u.LockedUntil(now); ok {
		return locked(until)
	}
	n := u.failures + 1
	if u.failures > 0 && now.Sub(u.lastFailure) > FailureWindow {
		n = 1
	}
	u.raise(LoginFailed{Failures: n, At: now})
	if n >= MaxFailures {
		until := now.Add(LockoutFor)
		u.raise(LockedOut{Until: until, At: now})
	}
	return nil
}

// CanLogIn refuses while locked out; the command layer asks before it runs
// bcrypt, so a locked account costs no hashing.
func (u *User) CanLogIn(now time.Time) error {
	if err := u.exists(); err != nil {
		return err
	}
	if until, ok := u.LockedUntil(now); ok {
		return locked(until)
	}
	return nil
}

// SucceedLogin forgets earlier failures after a right password, refusing
// if a lockout began meanwhile.
func (u *User) SucceedLogin(now time.Time) error {
	if err := u.CanLogIn(now); err != nil {
		return err
	}
	if u.failures > 0 {
		u.raise(FailuresCleared{At: now})
	}
	return nil
}

// Forget erases the user's personal data: the command layer destroys their
// data key after this event is stored. Forgetting again is a retry. A
// forgotten account takes no more changes and no logins.
type Forget struct {
	Reason string
	By     ID
}

func (u *User) Forget(cmd Forget, now time.Time) error {
	var v domain.Validation
	v.OptionalText("reason", cmd.Reason, 200)
	v.ID("by", string(cmd.By))
	if err := v.Err(); err != nil {
		return err
	}
	if !u.Exists() {
		return domain.Errorf(domain.NotFound, CodeNotRegistered, "user %s is not registered", u.id)
	}
	if !u.forgotten {
		u.raise(Forgotten{Reason: cmd.Reason, By: cmd.By, At: now})
	}
	return nil
}

func (u *User) exists() error {
	switch {
	case !u.Exists():
		return domain.Errorf(domain.NotFound, CodeNotRegistered, "user %s is not registered", u.id)
	case u.forgotten:
		return domain.Errorf(domain.Conflict, CodeForgotten, "user %s was forgotten at their request", u.id)
	}
	return nil
}

// Apply replays a stored event. It never fails.
func (u *User) Apply(e domain.Event) {
	u.apply(e)
	u.root.Loaded()
}

func (u *User) raise(e domain.Event) {
	u.apply(e)
	u.root.Record(e)
}

func (u *User) apply(e domain.Event) {
	switch e := e.(type) {
	case Registered:
		u.reg, u.role, u.vendorID, u.profile = e, e.Role, e.VendorID, e.Profile
	case ProfileUpdated:
		u.profile = e.Profile
	case AddressAdded:
		if _, ok := u.addresses[e.AddressID]; !ok {
			u.order = append(u.order, e.AddressID)
		}
		u.addresses[e.AddressID] = e.Address
		if u.defaultAddr == "" {
			u.defaultAddr = e.AddressID
		}
	case AddressRemoved:
		delete(u.addresses, e.AddressID)
		u.order = slices.DeleteFunc(u.order, func(id AddressID) bool { return id == e.AddressID })
		if u.defaultAddr == e.AddressID {
			u.defaultAddr = ""
			if len(u.order) > 0 {
				u.defaultAddr = u.order[0]
			}
		}
	case DefaultAddressSet:
		u.defaultAddr = e.AddressID
	case RoleChanged:
		u.role, u.vendorID = e.Role, e.VendorID
	case LoginFailed:
		u.failures, u.lastFailure = e.Failures, e.At
	case LockedOut:
		u.failures, u.lockedUntil = 0, e.Until
	case FailuresCleared:
		u.failures = 0
	case Forgotten:
		u.forgotten = true
	}
}
