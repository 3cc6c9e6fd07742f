package user_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/domaintest"
	"github.com/souq-market/souq/domain/user"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// hash is a syntactically valid bcrypt hash; the domain never checks one.
const hash = "$2a$10$abcdefghijklmnopqrstuu5Qn7E4ZpW1s8Ww6A6y0o3cH0qk7lX1y"

const h1, h2, h3 = "1111111111111111111111111111111111111111111111111111111111111111",
	"2222222222222222222222222222222222222222222222222222222222222222",
	"3333333333333333333333333333333333333333333333333333333333333333"

func registered() user.Registered {
	return user.Registered{UserID: "u-1", Email: "layla@example.ae", PasswordHash: hash, Role: user.Customer,
		Profile: user.Profile{Name: "Layla", Locale: "ar"}, At: t0}
}

func home() user.Address {
	return user.Address{Label: "home", Recipient: "Layla", Phone: "+971 50 123 4567", Line1: "Villa 12, Street 3",
		City: "Dubai", Region: "Dubai", Country: domain.UAE}
}

func given(events ...domain.Event) *user.User {
	u := user.New("u-1")
	for _, e := range events {
		u.Apply(e)
	}
	return u
}

func TestRegister(t *testing.T) {
	u := given()
	cmd := user.Register{Email: "layla@example.ae", PasswordHash: hash, Role: user.Customer, Profile: user.Profile{Name: "Layla", Locale: "ar"}}
	if err := u.Register(cmd, t0); err != nil {
		t.Fatal(err)
	}
	domaintest.Then(t, u.Changes(), registered())
	if err := given(registered()).Register(cmd, t0.Add(time.Hour)); err != nil {
		t.Fatalf("a retry must succeed: %v", err)
	}
	other := cmd
	other.PasswordHash = strings.Replace(hash, "a", "b", 1)
	domaintest.Refused(t, given(registered()).Register(other, t0), nil, domain.Conflict, user.CodeAlreadyRegistered)
	domaintest.Problems(t, given().Register(user.Register{Email: "Layla@Example.ae", PasswordHash: "plain", Role: "root", Profile: user.Profile{Locale: "fr"}}, t0),
		"email", "password_hash", "role", "profile.name", "profile.locale")
	domaintest.Problems(t, given().Register(user.Register{Email: "v@x.ae", PasswordHash: hash, Role: user.Vendor, Profile: user.Profile{Name: "V"}}, t0), "vendor_id")
	domaintest.Problems(t, given().Register(user.Register{Email: "c@x.ae", PasswordHash: hash, Role: user.Customer, VendorID: "v-1", Profile: user.Profile{Name: "C"}}, t0), "vendor_id")
}

func TestEmailAndPasswordRules(t *testing.T) {
	for _, e := range []string{"a@b.ae", "first.last+tag@mail.example.sa"} {
		var v domain.Validation
		if !user.CheckEmail(&v, "email", e) {
			t.Errorf("%q refused: %v", e, v.Err())
		}
	}
	for _, e := range []string{"", "plain", "@b.ae", "a@b", "a@.ae", "a@b.ae.", "a b@c.ae", "a@b@c.ae", "a@b.ae\n", strings.Repeat("a", 65) + "@b.ae"} {
		var v domain.Validation
		if user.CheckEmail(&v, "email", e) {
			t.Errorf("%q accepted", e)
		}
	}
	if user.NormalizeEmail("  Layla@Example.AE ") != "layla@example.ae" {
		t.Fatal("normalize")
	}
	for pw, want := range map[string]string{
		"":                         domain.ProblemRequired,
		"short1!":                  user.ProblemWeak,
		"Password123":              user.ProblemWeak, // common, whatever the case
		"aaaaaaaaaaaa":             user.ProblemWeak,
		"layla-is-great!":          user.ProblemWeak, // holds the email's local part
		strings.Repeat("x1", 37):   domain.ProblemTooLong,
		"\xff\xfe-not-utf8-at-all": domain.ProblemInvalid,
		"correct horse battery":    "",
	} {
		var v domain.Validation
		ok := user.CheckPassword(&v, "password", pw, "layla@example.ae")
		got := ""
		if !ok {
			got = v.Problems()[0].Code
		}
		if got != want {
			t.Errorf("%q: problem %q, want %q", pw, got, want)
		}
	}
}

func TestAddressBook(t *testing.T) {
	u := given(registered())
	office := home()
	office.Label, office.Line1 = "office", "Tower 2, Floor 9"
	must(t, u.AddAddress(user.AddAddress{AddressID: "a-1", Address: home()}, t0))
	must(t, u.AddAddress(user.AddAddress{AddressID: "a-2", Address: office, Default: true}, t0))
	must(t, u.AddAddress(user.AddAddress{AddressID: "a-2", Address: office, Default: true}, t0)) // retry
	domaintest.Then(t, u.Changes(),
		user.AddressAdded{AddressID: "a-1", Address: home(), At: t0},
		user.AddressAdded{AddressID: "a-2", Address: office, At: t0},
		user.DefaultAddressSet{AddressID: "a-2", At: t0})
	if u.DefaultAddress() != "a-2" {
		t.Fatal(u.DefaultAddress())
	}
	must(t, u.RemoveAddress(user.RemoveAddress{AddressID: "a-2"}, t0))
	if u.DefaultAddress() != "a-1" || len(u.Addresses()) != 1 {
		t.Fatalf("after removing the default: %q %v", u.DefaultAddress(), u.Addresses())
	}
	domaintest.Refused(t, given(registered()).SetDefaultAddress(user.SetDefaultAddress{AddressID: "nope"}, t0), nil, domain.NotFound, user.CodeAddressNotFound)
	domaintest.Refused(t, given(registered(), user.AddressAdded{AddressID: "a-1", Address: home()}).AddAddress(user.AddAddress{AddressID: "a-1", Address: office}, t0),
		nil, domain.Conflict, user.CodeAddressExists)
	bad := home()
	bad.Country, bad.Phone, bad.City = "US", "0501234567", ""
	domaintest.Problems(t, given(registered()).AddAddress(user.AddAddress{AddressID: "a 1", Address: bad}, t0), "address_id", "address.phone", "address.city", "address.country")
	full := []domain.Event{registered()}
	for i := range user.MaxAddresses {
		full = append(full, user.AddressAdded{AddressID: user.AddressID("a-" + string(rune('a'+i))), Address: home()})
	}
	domaintest.Refused(t, given(full...).AddAddress(user.AddAddress{AddressID: "one-more", Address: home()}, t0), nil, domain.Conflict, user.CodeAddressBookFull)
	domaintest.Refused(t, given().AddAddress(user.AddAddress{AddressID: "a-1", Address: home()}, t0), nil, domain.NotFound, user.CodeNotRegistered)
}

func TestProfile(t *testing.T) {
	u := given(registered())
	p := user.Profile{Name: "Layla A.", Phone: "+966 55 000 1111", Locale: "en"}
	must(t, u.UpdateProfile(user.UpdateProfile{Profile: p}, t0))
	must(t, u.UpdateProfile(user.UpdateProfile{Profile: p}, t0))
	domaintest.Then(t, u.Changes(), user.ProfileUpdated{Profile: p, At: t0})
	domaintest.Problems(t, u.UpdateProfile(user.UpdateProfile{Profile: user.Profile{Name: "x", Phone: "call me"}}, t0), "profile.phone")
}

func TestRoles(t *testing.T) {
	u := given(registered())
	must(t, u.ChangeRole(user.ChangeRole{Role: user.Vendor, VendorID: "v-9", By: "admin-1", ByRole: user.Admin}, t0))
	domaintest.Then(t, u.Changes(), user.RoleChanged{Role: user.Vendor, VendorID: "v-9", By: "admin-1", At: t0})
	if u.Role() != user.Vendor || u.VendorID() != "v-9" {
		t.Fatal(u.Role())
	}
	domaintest.Refused(t, given(registered()).ChangeRole(user.ChangeRole{Role: user.SuperAdmin, By: "admin-1", ByRole: user.Admin}, t0), nil, domain.Forbidden, user.CodeRoleNotAllowed)
	super := registered()
	super.Role = user.SuperAdmin
	domaintest.Refused(t, given(super).ChangeRole(user.ChangeRole{Role: user.Customer, By: "admin-1", ByRole: user.Admin}, t0), nil, domain.Forbidden, user.CodeRoleNotAllowed)
	must(t, given(super).ChangeRole(user.ChangeRole{Role: user.Customer, By: "root", ByRole: user.SuperAdmin}, t0))
	for _, r := range []user.Role{user.Vendor, user.Admin, user.Auditor, user.SuperAdmin} {
		if user.MayGrant("", r) == nil || user.MayGrant(user.Customer, r) == nil {
			t.Errorf("%s granted without staff", r)
		}
	}
	if user.MayGrant("", user.Customer) != nil || user.MayGrant(user.Admin, user.Auditor) != nil {
		t.Fatal("self-service customer or admin-made auditor refused")
	}
}

func TestLockout(t *testing.T) {
	u := given(registered())
	for i := 1; i <= user.MaxFailures; i++ {
		if err := u.FailLogin(t0.Add(time.Duration(i) * time.Minute)); err != nil {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	at5 := t0.Add(user.MaxFailures * time.Minute)
	if until, ok := u.LockedUntil(at5); !ok || !until.Equal(at5.Add(user.LockoutFor)) {
		t.Fatalf("after 5 failures: locked until %v, %v", until, ok)
	}
	err := u.CanLogIn(at5)
	var le *user.LockedError
	if !errors.As(err, &le) || !le.Until.Equal(at5.Add(user.LockoutFor)) || domain.KindOf(err) != domain.RateLimited || domain.CodeOf(err) != user.CodeLocked {
		t.Fatalf("login after the 5th failure: %v", err)
	}
	ch := u.Changes()
	if len(ch) != user.MaxFailures+1 || ch[len(ch)-1] != (user.LockedOut{Until: at5.Add(user.LockoutFor), At: at5}) {
		t.Fatalf("events %v", ch)
	}
	// While locked nothing is recorded and even a right password is refused.
	replayed := given(append([]domain.Event{registered()}, ch...)...)
	domaintest.Refused(t, replayed.FailLogin(at5.Add(time.Minute)), replayed.Changes(), domain.RateLimited, user.CodeLocked)
	domaintest.Refused(t, replayed.SucceedLogin(at5.Add(time.Minute)), replayed.Changes(), domain.RateLimited, user.CodeLocked)
	// After the lock the counter starts again; a success clears it.
	after := at5.Add(user.LockoutFor)
	must(t, replayed.FailLogin(after))
	must(t, replayed.SucceedLogin(after))
	domaintest.Then(t, replayed.Changes(), user.LoginFailed{Failures: 1, At: after}, user.FailuresCleared{At: after})
	// Failures further apart than the window do not add up.
	slow := given(registered(), user.LoginFailed{Failures: 4, At: t0})
	must(t, slow.FailLogin(t0.Add(user.FailureWindow+time.Second)))
	domaintest.Then(t, slow.Changes(), user.LoginFailed{Failures: 1, At: t0.Add(user.FailureWindow + time.Second)})
	// A success with no failures writes nothing.
	quiet := given(registered())
	must(t, quiet.SucceedLogin(t0))
	domaintest.Then(t, quiet.Changes())
}

func TestClaim(t *testing.T) {
	c := user.NewClaim("layla@example.ae")
	must(t, c.Take(user.Take{UserID: "u-1"}, t0))
	domaintest.Then(t, c.Changes(), user.EmailClaimed{Email: "layla@example.ae", UserID: "u-1", At: t0})
	taken := func() *user.Claim {
		c := user.NewClaim("layla@example.ae")
		c.Apply(user.EmailClaimed{Email: "layla@example.ae", UserID: "u-1", At: t0})
		return c
	}
	must(t, taken().Take(user.Take{UserID: "u-1"}, t0)) // retry
	domaintest.Refused(t, taken().Take(user.Take{UserID: "u-2"}, t0), nil, domain.Conflict, user.CodeEmailTaken)
	domaintest.Refused(t, taken().Take(user.Take{UserID: "u-2", Orphan: "u-3"}, t0), nil, domain.Conflict, user.CodeEmailTaken)
	c = taken()
	must(t, c.Take(user.Take{UserID: "u-2", Orphan: "u-1"}, t0))
	if c.Owner() != "u-2" {
		t.Fatal(c.Owner())
	}
}

func TestSession(t *testing.T) {
	s := user.NewSession("s-1")
	must(t, s.Start(user.Start{UserID: "u-1", TokenHash: h1}, t0))
	must(t, s.Rotate(user.Rotate{TokenHash: h1, NextHash: h2}, t0.Add(time.Hour)))
	domaintest.Then(t, s.Changes(),
		user.SessionStarted{SessionID: "s-1", UserID: "u-1", TokenHash: h1, ExpiresAt: t0.Add(user.RefreshTTL), At: t0},
		user.SessionRotated{OldHash: h1, TokenHash: h2, ExpiresAt: t0.Add(time.Hour + user.RefreshTTL), At: t0.Add(time.Hour)})
	started := user.SessionStarted{SessionID: "s-1", UserID: "u-1", TokenHash: h1, ExpiresAt: t0.Add(user.RefreshTTL), At: t0}
	rotated := user.SessionRotated{OldHash: h1, TokenHash: h2, ExpiresAt: t0.Add(user.RefreshTTL), At: t0}
	given := func(es ...domain.Event) *user.Session {
		s := user.NewSession("s-1")
		for _, e := range es {
			s.Apply(e)
		}
		return s
	}

	// The old token again: the family is revoked, and stays so.
	s = given(started, rotated)
	if err := s.Rotate(user.Rotate{TokenHash: h1, NextHash: h3}, t0); !errors.As(err, new(user.ReuseError)) {
		t.Fatalf("reuse: %v", err)
	}
	domaintest.Then(t, s.Changes(), user.SessionRevoked{Reason: user.RevokedReuse, At: t0})
	revoked := given(started, rotated, user.SessionRevoked{Reason: user.RevokedReuse, At: t0})
	domaintest.Refused(t, revoked.Rotate(user.Rotate{TokenHash: h2, NextHash: h3}, t0), nil, domain.Unauthenticated, user.CodeRefreshRevoked)

	// A token never issued changes nothing, not even on logout.
	domaintest.Refused(t, given(started).Rotate(user.Rotate{TokenHash: h3, NextHash: h2}, t0), nil, domain.Unauthenticated, user.CodeRefreshInvalid)
	forged := given(started)
	must(t, forged.Revoke(user.Revoke{TokenHash: h3, Reason: user.RevokedLogout}, t0))
	domaintest.Then(t, forged.Changes())
	domaintest.Refused(t, given().Rotate(user.Rotate{TokenHash: h1, NextHash: h2}, t0), nil, domain.Unauthenticated, user.CodeRefreshInvalid)

	// Expiry, 30 days after issue.
	domaintest.Refused(t, given(started).Rotate(user.Rotate{TokenHash: h1, NextHash: h2}, t0.Add(user.RefreshTTL)), nil, domain.Unauthenticated, user.CodeRefreshExpired)

	// Logout revokes once.
	out := given(started)
	must(t, out.Revoke(user.Revoke{TokenHash: h1, Reason: user.RevokedLogout}, t0))
	must(t, out.Revoke(user.Revoke{TokenHash: h1, Reason: user.RevokedLogout}, t0))
	domaintest.Then(t, out.Changes(), user.SessionRevoked{Reason: user.RevokedLogout, At: t0})

	domaintest.Problems(t, given().Start(user.Start{UserID: "", TokenHash: "XYZ"}, t0), "user_id", "token_hash")
}

// TestForget: a forgotten account records one event, takes no more
// changes or logins, and keeps the facts that are not personal data.
func TestForget(t *testing.T) {
	u := given(registered(), user.AddressAdded{AddressID: "a-1", Address: home(), At: t0})
	must(t, u.Forget(user.Forget{Reason: "gdpr request", By: "admin-1"}, t0))
	must(t, u.Forget(user.Forget{Reason: "again", By: "admin-1"}, t0)) // a retry
	domaintest.Then(t, u.Changes(), user.Forgotten{Reason: "gdpr request", By: "admin-1", At: t0})
	if !u.Forgotten() || u.Role() != user.Customer {
		t.Fatalf("forgotten %v, role %s", u.Forgotten(), u.Role())
	}
	for name, err := range map[string]error{
		"profile": u.UpdateProfile(user.UpdateProfile{Profile: user.Profile{Name: "X"}}, t0),
		"address": u.AddAddress(user.AddAddress{AddressID: "a-2", Address: home()}, t0),
		"login":   u.CanLogIn(t0),
	} {
		if de, ok := errors.AsType[*domain.Error](err); !ok || de.Code != user.CodeForgotten {
			t.Errorf("%s after forget: %v", name, err)
		}
	}
	domaintest.Problems(t, given(registered()).Forget(user.Forget{Reason: strings.Repeat("x", 201)}, t0), "reason", "by")
	if err := given().Forget(user.Forget{By: "admin-1"}, t0); domain.KindOf(err) != domain.NotFound {
		t.Fatalf("forget of nobody: %v", err)
	}
}

// TestClaimReleased: the email of a forgotten owner is free again, even
// though the claim's own copy of it now reads as erased.
func TestClaimReleased(t *testing.T) {
	c := user.NewClaim("layla@example.ae")
	c.Apply(user.EmailClaimed{Email: "[erased]", UserID: "u-1", At: t0})
	c.Release("u-2", t0) // not the owner: nothing
	c.Release("u-1", t0)
	domaintest.Then(t, c.Changes(), user.EmailReleased{UserID: "u-1", At: t0})
	if c.Owner() != "" {
		t.Fatalf("owner after release: %s", c.Owner())
	}
	must(t, c.Take(user.Take{UserID: "u-3"}, t0))
	if c.Owner() != "u-3" {
		t.Fatalf("owner after a new claim: %s", c.Owner())
	}
}

func TestGolden(t *testing.T) {
	samples := []domain.Event{
		registered(),
		user.ProfileUpdated{Profile: user.Profile{Name: "Layla A.", Phone: "+971 50 123 4567", Locale: "en"}, At: t0},
		user.AddressAdded{AddressID: "a-1", Address: home(), At: t0},
		user.AddressRemoved{AddressID: "a-1", At: t0},
		user.DefaultAddressSet{AddressID: "a-2", At: t0},
		user.RoleChanged{Role: user.Vendor, VendorID: "v-1", By: "admin-1", At: t0},
		user.LoginFailed{Failures: 2, At: t0},
		user.LockedOut{Until: t0.Add(user.LockoutFor), At: t0},
		user.FailuresCleared{At: t0},
		user.EmailClaimed{Email: "layla@example.ae", UserID: "u-1", At: t0},
		user.SessionStarted{SessionID: "s-1", UserID: "u-1", TokenHash: h1, ExpiresAt: t0.Add(user.RefreshTTL), At: t0},
		user.SessionRotated{OldHash: h1, TokenHash: h2, ExpiresAt: t0.Add(user.RefreshTTL), At: t0},
		user.SessionRevoked{Reason: user.RevokedReuse, At: t0},
		user.Forgotten{Reason: "gdpr request 2026-114", By: "admin-1", At: t0},
		user.EmailReleased{UserID: "u-1", At: t0},
	}
	domaintest.Covers(t, user.Events(), samples)
	domaintest.Golden(t, samples...)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
