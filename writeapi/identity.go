package writeapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/souq-market/souq/commands"
	usercmd "github.com/souq-market/souq/commands/user"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
)

// Signer mints souq's own access tokens (auth.HMAC does).
type Signer interface {
	Sign(a auth.Actor, ttl time.Duration) (string, error)
}

// Identity configures the account routes: /v1/auth/register, login,
// refresh and logout, /v1/me/… and the staff's /v1/users. Without a Signer
// (tokens come from an external issuer, SOUQ_JWKS_URL) they are not served:
// accounts then live with that issuer.
type Identity struct {
	Signer Signer
	// Passwords hashes with bcrypt; nil means usercmd.DefaultCost (12).
	Passwords *usercmd.Passwords
	// AccessTTL is the life of an access token; default 15 minutes.
	AccessTTL time.Duration
}

// DefaultAccessTTL is how long an access token lives: short, since it
// cannot be revoked; the refresh token carries the session.
const DefaultAccessTTL = 15 * time.Minute

// maxAuthBody bounds the bodies of the anonymous auth routes: a login is a
// few hundred bytes, and nobody unauthenticated gets to make us read 10 MB.
const maxAuthBody = 16 << 10

// TokenAnswer is the body of a login and of a refresh.
type TokenAnswer struct {
	AccessToken      string    `json:"access_token"`
	TokenType        string    `json:"token_type"` // "Bearer"
	ExpiresIn        int       `json:"expires_in"` // seconds
	RefreshToken     string    `json:"refresh_token"`
	RefreshExpiresAt time.Time `json:"refresh_expires_at"`
	UserID           string    `json:"user_id"`
	Role             string    `json:"role"`
}

// AccountAnswer is the body of a registration.
type AccountAnswer struct {
	UserID string `json:"user_id"`
	Answer
}

type credentialsReq struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (r *credentialsReq) validate(v *domain.Validation) {
	v.Text("email", r.Email, 254)
	v.Text("password", r.Password, 1024)
}

type refreshReq struct {
	RefreshToken string `json:"refresh_token"`
}

func (r *refreshReq) validate(v *domain.Validation) { v.Text("refresh_token", r.RefreshToken, 200) }

type registerReq struct {
	Email    string          `json:"email"`
	Password string          `json:"password"`
	Name     string          `json:"name"`
	Phone    string          `json:"phone"`
	Locale   string          `json:"locale"`
	Role     user.Role       `json:"role"`      // self-service: customer (default) or influencer
	VendorID domain.VendorID `json:"vendor_id"` // staff creating a vendor account
}

// validate leaves the rules to the command, which lists the password's
// problems with every other field's.
func (r *registerReq) validate(*domain.Validation) {}

func (r *registerReq) cmd(by user.Role) usercmd.RegisterCmd {
	role := r.Role
	if role == "" {
		role = user.Customer
	}
	return usercmd.RegisterCmd{Email: r.Email, Password: r.Password, Role: role, VendorID: r.VendorID,
		Profile: user.Profile{Name: r.Name, Phone: r.Phone, Locale: r.Locale}, ByRole: by}
}

type profileReq struct {
	Name   string `json:"name"`
	Phone  string `json:"phone"`
	Locale string `json:"locale"`
}

func (r *profileReq) validate(*domain.Validation) {}

type addressReq struct {
	AddressID user.AddressID `json:"address_id"`
	user.Address
	Default bool `json:"default"`
}

func (r *addressReq) validate(*domain.Validation) {}

type roleReq struct {
	Role     user.Role       `json:"role"`
	VendorID domain.VendorID `json:"vendor_id"`
}

func (r *roleReq) validate(v *domain.Validation) {
	v.Check(r.Role.Valid(), "role", domain.ProblemInvalid, "unknown role %q", r.Role)
}

// identity mounts the account routes.
func (s *server) identity(cfg Identity) error {
	s.forgetRoutes() // forget.go: erasure, whoever issues the tokens
	if cfg.Signer == nil {
		return nil
	}
	if cfg.AccessTTL <= 0 {
		cfg.AccessTTL = DefaultAccessTTL
	}
	if cfg.Passwords == nil {
		pw, err := usercmd.NewPasswords(usercmd.DefaultCost)
		if err != nil {
			return fmt.Errorf("writeapi: %w", err)
		}
		cfg.Passwords = pw
	}
	deps := usercmd.Deps{Exec: s.exec, Now: s.now, Passwords: cfg.Passwords}
	anyRole := auth.Roles()
	authErrors := []int{400, 401, 413, 415, 422, 429}

	s.api.Handle(httpx.Operation{Method: "POST", Path: "/v1/auth/register", ID: "register", Tag: "identity", Status: 201,
		Summary: "Open a customer account (anonymous). 409 when the email is registered.", Errors: append(authErrors, 409)},
		s.anonymous(func(w http.ResponseWriter, r *http.Request) error {
			req := &registerReq{}
			body, err := decode(r, w, req)
			if err != nil {
				return err
			}
			c := &call{meta: commands.Meta{}}
			if err := s.idempotency(r, body, c); err != nil {
				return err
			}
			if req.Role == user.Vendor || req.VendorID != "" {
				return domain.Errorf(domain.Forbidden, user.CodeRoleNotAllowed, "only staff create vendor accounts (POST /v1/users)")
			}
			res, err := usercmd.Register{Deps: deps}.Handle(r.Context(), req.cmd(""), c.meta)
			if err != nil {
				return err
			}
			writeAccount(w, c, res)
			return nil
		}))

	s.api.Handle(httpx.Operation{Method: "POST", Path: "/v1/auth/login", ID: "login", Tag: "identity",
		Summary: "Trade an email and a password for an access token (15 min) and a refresh token (30 days). 401 for a wrong email or password alike; 429 with Retry-After while locked after 5 failures.",
		Errors:  authErrors},
		s.anonymous(func(w http.ResponseWriter, r *http.Request) error {
			req := &credentialsReq{}
			if _, err := decode(r, w, req); err != nil {
				return err
			}
			sess, err := usercmd.Login{Deps: deps}.Handle(r.Context(), req.Email, req.Password, commands.Meta{})
			if err != nil {
				return err
			}
			return writeTokens(w, cfg, sess)
		}))

	s.api.Handle(httpx.Operation{Method: "POST", Path: "/v1/auth/refresh", ID: "refresh", Tag: "identity",
		Summary: "Trade a refresh token for new tokens; the old one dies. A token used twice revokes its session (401 auth.refresh_reused).",
		Errors:  authErrors},
		s.anonymous(func(w http.ResponseWriter, r *http.Request) error {
			req := &refreshReq{}
			if _, err := decode(r, w, req); err != nil {
				return err
			}
			sess, err := usercmd.Refresh{Deps: deps}.Handle(r.Context(), req.RefreshToken, commands.Meta{})
			if err != nil {
				return err
			}
			return writeTokens(w, cfg, sess)
		}))

	s.api.Handle(httpx.Operation{Method: "POST", Path: "/v1/auth/logout", ID: "logout", Tag: "identity", Status: 204,
		Summary: "Revoke the session of a refresh token. Always 204 for a well-formed body, known token or not.", Errors: authErrors},
		s.anonymous(func(w http.ResponseWriter, r *http.Request) error {
			req := &refreshReq{}
			if _, err := decode(r, w, req); err != nil {
				return err
			}
			if _, err := (usercmd.Logout{Deps: deps}).Handle(r.Context(), req.RefreshToken, commands.Meta{}); err != nil {
				return err
			}
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusNoContent)
			return nil
		}))

	me := func(c *call) user.ID { return user.ID(c.actor.UserID) }
	meStream := func(_ context.Context, c *call) (string, error) { return usercmd.UserStream(me(c)) }
	handle(s, route[*profileReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/me/profile", ID: "updateProfile", Tag: "identity", Summary: "Replace the caller's profile (name, phone, locale)."},
		roles: anyRole, body: func() *profileReq { return &profileReq{} },
		target: func(ctx context.Context, c *call, _ *profileReq) (string, error) { return meStream(ctx, c) },
		run: func(ctx context.Context, c *call, r *profileReq) (commands.Result, error) {
			return usercmd.UpdateProfile{Deps: deps}.Handle(ctx, usercmd.For[user.UpdateProfile]{UserID: me(c),
				Cmd: user.UpdateProfile{Profile: user.Profile{Name: r.Name, Phone: r.Phone, Locale: r.Locale}}}, c.meta)
		},
	})
	handle(s, route[*addressReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/me/addresses", ID: "addAddress", Tag: "identity", Status: 201, Summary: "Add an address to the caller's address book (the first becomes the default)."},
		roles: anyRole, body: func() *addressReq { return &addressReq{} },
		target: func(ctx context.Context, c *call, _ *addressReq) (string, error) { return meStream(ctx, c) },
		run: func(ctx context.Context, c *call, r *addressReq) (commands.Result, error) {
			return usercmd.AddAddress{Deps: deps}.Handle(ctx, usercmd.For[user.AddAddress]{UserID: me(c),
				Cmd: user.AddAddress{AddressID: r.AddressID, Address: r.Address, Default: r.Default}}, c.meta)
		},
	})
	handle(s, route[*emptyReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/me/addresses/{id}/remove", ID: "removeAddress", Tag: "identity", Summary: "Drop an address from the caller's address book."},
		roles: anyRole, body: func() *emptyReq { return &emptyReq{} },
		target: func(ctx context.Context, c *call, _ *emptyReq) (string, error) { return meStream(ctx, c) },
		run: func(ctx context.Context, c *call, _ *emptyReq) (commands.Result, error) {
			return usercmd.RemoveAddress{Deps: deps}.Handle(ctx, usercmd.For[user.RemoveAddress]{UserID: me(c),
				Cmd: user.RemoveAddress{AddressID: user.AddressID(c.vars["id"])}}, c.meta)
		},
	})
	handle(s, route[*emptyReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/me/addresses/{id}/default", ID: "setDefaultAddress", Tag: "identity", Summary: "Make an address the one checkout ships to by default."},
		roles: anyRole, body: func() *emptyReq { return &emptyReq{} },
		target: func(ctx context.Context, c *call, _ *emptyReq) (string, error) { return meStream(ctx, c) },
		run: func(ctx context.Context, c *call, _ *emptyReq) (commands.Result, error) {
			return usercmd.SetDefaultAddress{Deps: deps}.Handle(ctx, usercmd.For[user.SetDefaultAddress]{UserID: me(c),
				Cmd: user.SetDefaultAddress{AddressID: user.AddressID(c.vars["id"])}}, c.meta)
		},
	})

	// Staff: accounts of any role, and role changes.
	s.api.Handle(httpx.Operation{Method: "POST", Path: "/v1/users", ID: "createUser", Tag: "identity", Status: 201,
		Summary: "Create an account of any role (admins; super_admin accounts only by a super_admin).",
		Errors:  []int{400, 401, 403, 409, 413, 415, 422}},
		auth.Require(s.verifier, s.api.Renderer(), staffRoles...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := s.createUser(w, r, deps); err != nil {
				s.fail(w, r, err)
			}
		})))
	handle(s, route[*roleReq]{
		op:    httpx.Operation{Method: "POST", Path: "/v1/users/{id}/role", ID: "changeRole", Tag: "identity", Summary: "Give a user another role (admins; super_admin only by a super_admin)."},
		roles: staffRoles, body: func() *roleReq { return &roleReq{} },
		target: func(_ context.Context, c *call, _ *roleReq) (string, error) {
			return usercmd.UserStream(user.ID(c.vars["id"]))
		},
		run: func(ctx context.Context, c *call, r *roleReq) (commands.Result, error) {
			return usercmd.ChangeRole{Deps: deps}.Handle(ctx, usercmd.For[user.ChangeRole]{UserID: user.ID(c.vars["id"]),
				Cmd: user.ChangeRole{Role: r.Role, VendorID: r.VendorID, By: user.ID(c.actor.UserID), ByRole: user.Role(c.actor.Role)}}, c.meta)
		},
	})
	return nil
}

func (s *server) createUser(w http.ResponseWriter, r *http.Request, deps usercmd.Deps) error {
	actor, ok := auth.From(r.Context())
	if !ok {
		return errors.New("writeapi: createUser ran without the auth middleware")
	}
	req := &registerReq{}
	body, err := decode(r, w, req)
	if err != nil {
		return err
	}
	c := &call{actor: actor, vars: mux.Vars(r), meta: commands.Meta{Actor: eventActor(actor)}}
	if err := s.idempotency(r, body, c); err != nil {
		return err
	}
	if req.Role == "" {
		return &domain.Error{Kind: domain.Invalid, Code: domain.CodeInvalidCommand, Message: "the command has invalid fields",
			Problems: []domain.Problem{{Field: "role", Code: domain.ProblemRequired, Message: "is required"}}}
	}
	res, err := usercmd.Register{Deps: deps}.Handle(r.Context(), req.cmd(user.Role(actor.Role)), c.meta)
	if err != nil {
		return err
	}
	writeAccount(w, c, res)
	return nil
}

// anonymous serves a route without a token: the body is bounded to
// maxAuthBody before the shared decoder reads it, and a lockout's refusal
// carries Retry-After.
func (s *server) anonymous(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxAuthBody {
			s.fail(w, r, &statusError{http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("the body may hold at most %d bytes", maxAuthBody)})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxAuthBody)
		if err := fn(w, r); err != nil {
			if le, ok := errors.AsType[*user.LockedError](err); ok {
				w.Header().Set("Retry-After", strconv.Itoa(retryAfter(le.Until.Sub(s.now()))))
			}
			s.fail(w, r, err)
		}
	})
}

// retryAfter is a wait in whole seconds, rounded up, at least 1.
func retryAfter(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

func writeAccount(w http.ResponseWriter, c *call, res usercmd.Registered) {
	h := w.Header()
	h.Set("X-Souq-Position", strconv.FormatUint(uint64(res.Position), 10))
	h.Set("ETag", `"`+strconv.FormatUint(res.Revision, 10)+`"`)
	status := http.StatusCreated
	if res.Replayed {
		h.Set("Idempotency-Replayed", "true")
	}
	writeJSON(w, status, AccountAnswer{UserID: string(res.UserID), Answer: Answer{CommandID: c.meta.CommandID, Stream: res.Stream,
		Revision: res.Revision, Position: res.Position, Events: res.Events, Replayed: res.Replayed}})
}

func writeTokens(w http.ResponseWriter, cfg Identity, s usercmd.Session) error {
	access, err := cfg.Signer.Sign(auth.Actor{UserID: string(s.UserID), Role: auth.Role(s.Role), VendorID: string(s.VendorID)}, cfg.AccessTTL)
	if err != nil {
		return fmt.Errorf("writeapi: sign the access token: %w", err)
	}
	writeJSON(w, http.StatusOK, TokenAnswer{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(cfg.AccessTTL / time.Second),
		RefreshToken: s.RefreshToken, RefreshExpiresAt: s.ExpiresAt, UserID: string(s.UserID), Role: string(s.Role)})
	return nil
}
