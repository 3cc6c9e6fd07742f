package auth

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/souq-market/souq/internal/httpx"
)

// Codes of the refusals the middleware renders.
const (
	CodeTokenMissing = "auth.token_missing"
	CodeTokenInvalid = "auth.token_invalid"
	CodeForbidden    = "auth.forbidden"
)

// Require verifies the bearer token of every request and lets through only
// the given roles: 401 without a token or with a bad one, 403 for another
// role. The actor is in the request's context for the handler (From).
func Require(v Verifier, render *httpx.Renderer, roles ...Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a, err := Authenticate(w, r, v)
			if err != nil {
				render.Error(w, r, err)
				return
			}
			if !slices.Contains(roles, a.Role) {
				render.Error(w, r, &httpx.Error{Kind: httpx.KindForbidden, Code: CodeForbidden,
					Detail: "the role " + string(a.Role) + " may not do this"})
				return
			}
			next.ServeHTTP(w, r.WithContext(With(r.Context(), a)))
		})
	}
}

// Authenticate verifies the request's bearer token with v and returns its
// actor, or an *httpx.Error of kind unauthenticated (code auth.token_missing
// or auth.token_invalid, the cause wrapped) to render; for a refused token it
// also sets WWW-Authenticate on w (RFC 6750 §3). A nil v refuses every
// token. Routes that decide roles per route (the read API) call it
// directly; Require wraps it.
func Authenticate(w http.ResponseWriter, r *http.Request, v Verifier) (Actor, error) {
	token, err := bearer(r)
	var a Actor
	switch {
	case err != nil:
	case v == nil:
		err = errors.Join(ErrBadToken, errors.New("no token verifier configured"))
	default:
		a, err = v.Verify(r.Context(), token)
	}
	if err == nil {
		return a, nil
	}
	code, detail := CodeTokenInvalid, "the bearer token was refused"
	if errors.Is(err, ErrNoToken) {
		code, detail = CodeTokenMissing, "send Authorization: Bearer <token>"
	} else {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	return Actor{}, &httpx.Error{Kind: httpx.KindUnauthenticated, Code: code, Detail: detail, Err: err}
}

// bearer extracts the token of "Authorization: Bearer <token>"; the scheme
// is case-insensitive (RFC 9110 §11.1), one header only.
func bearer(r *http.Request) (string, error) {
	hs := r.Header.Values("Authorization")
	switch {
	case len(hs) == 0:
		return "", ErrNoToken
	case len(hs) > 1:
		return "", errors.Join(ErrBadToken, errors.New("several Authorization headers"))
	}
	scheme, token, ok := strings.Cut(hs[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", errors.Join(ErrBadToken, errors.New("not a bearer token"))
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", ErrNoToken
	}
	return token, nil
}
