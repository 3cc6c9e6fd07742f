package readapi

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
)

// Waiter returns once the named projector has handled every event up to
// pos, or with ctx's error.
type Waiter func(ctx context.Context, projector string, pos uint64) error

// Headers of the read-your-writes protocol (DESIGN.md §6).
const (
	HeaderMinPosition = "X-Souq-Min-Position"
	HeaderBehind      = "X-Souq-Behind"
)

// Codes of the refusals the read routes decide.
const (
	CodeNotOwner       = "auth.not_owner"
	CodeBadCursor      = "request.bad_cursor"
	CodeBadLimit       = "request.bad_limit"
	CodeBadParameter   = "request.bad_parameter"
	CodeBadMinPosition = "request.bad_min_position"
	CodeNotFound       = "view.not_found"
)

// Route is one read route: who may call it (its roles; the token is
// verified by internal/auth, whose codes the 401 and 403 answers carry), which projectors' views it
// reads (what X-Souq-Min-Position waits for), and the read. The read's
// result is sent as JSON with an ETag.
type Route struct {
	Op    httpx.Operation
	Roles []auth.Role
	Views []string
	Read  func(ctx context.Context, c *Call) (any, error)
}

// Call is one read request on its way through a route.
type Call struct {
	Caller auth.Actor
	Vars   map[string]string
	Query  url.Values
	URL    *url.URL
}

// Handle registers a read route behind authentication, the role check and
// the X-Souq-Min-Position wait, and documents it.
func (s *Server) Handle(rt Route) {
	rt.Op.Errors = append(rt.Op.Errors, 400, 401, 403, 404)
	if rt.Op.Method == "" {
		rt.Op.Method = http.MethodGet
	}
	s.api.Handle(rt.Op, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.serve(w, r, rt); err != nil {
			s.api.Renderer().Error(w, r, err)
		}
	}))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt Route) error {
	caller, err := auth.Authenticate(w, r, s.verify)
	if err != nil {
		return err
	}
	if !slices.Contains(rt.Roles, caller.Role) {
		return &httpx.Error{Kind: httpx.KindForbidden, Code: auth.CodeForbidden, Detail: "the role " + string(caller.Role) + " may not read this"}
	}
	behind, err := s.wait(r, rt.Views)
	if err != nil {
		return err
	}
	v, err := rt.Read(r.Context(), &Call{Caller: caller, Vars: mux.Vars(r), Query: r.URL.Query(), URL: r.URL})
	if err != nil {
		return err
	}
	// Private: answers depend on the caller; no-cache: revalidate with
	// If-None-Match, which costs a read but no body.
	w.Header().Set("Vary", "Authorization")
	return answer(w, r, v, "private, no-cache", behind)
}

// answer writes v as JSON with a strong ETag over the bytes, the cache
// policy given, the behind flag, and a bodiless 304 when If-None-Match
// names the same answer.
func answer(w http.ResponseWriter, r *http.Request, v any, cacheControl string, behind bool) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	body = append(body, '\n')
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", cacheControl)
	if behind {
		h.Set(HeaderBehind, "true")
	}
	if match(r.Header.Values("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

// match applies If-None-Match (RFC 9110 §13.1.2): a list of tags, weak
// comparison, or *.
func match(values []string, etag string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || t == etag {
				return true
			}
		}
	}
	return false
}

// wait honours X-Souq-Min-Position: it waits, at most maxWait in all, until
// every view the route reads has handled that position. When the time runs
// out it answers behind (the caller gets what is there, flagged), never an
// error: a read that is late is better than none.
func (s *Server) wait(r *http.Request, views []string) (behind bool, err error) {
	v := r.Header.Get(HeaderMinPosition)
	if v == "" {
		return false, nil
	}
	pos, perr := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if perr != nil {
		return false, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadMinPosition, Detail: HeaderMinPosition + " must be a global position (a whole number), as in the X-Souq-Position of a command's answer"}
	}
	if pos == 0 || len(views) == 0 {
		return false, nil
	}
	if s.waiter == nil {
		return true, nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.maxWait)
	defer cancel()
	for _, view := range views {
		if err := s.waiter(ctx, view, pos); err != nil {
			if r.Context().Err() != nil {
				return false, r.Context().Err()
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				s.log.Warn("read-your-writes wait failed", slog.String("view", view), slog.String("error", err.Error()))
			}
			return true, nil
		}
	}
	return false, nil
}

// Page is a page of a list: its items and the link to the next page, also
// sent as a Link header would be (the body keeps it with the data).
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// NewPage builds a page; next is the next page's key (nil: the last page),
// encoded into an opaque cursor on the request's own URL.
func NewPage[T any](c *Call, items []T, next any) (Page[T], error) {
	if items == nil {
		items = []T{}
	}
	p := Page[T]{Items: items}
	if next == nil {
		return p, nil
	}
	b, err := json.Marshal(next)
	if err != nil {
		return p, err
	}
	q := c.URL.Query()
	q.Set("cursor", base64.RawURLEncoding.EncodeToString(b))
	p.Next = c.URL.Path + "?" + q.Encode()
	return p, nil
}

// Cursor decodes the request's cursor into key; it reports false when
// there is none (the first page).
func (c *Call) Cursor(key any) (bool, error) {
	v := c.Query.Get("cursor")
	if v == "" {
		return false, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err == nil {
		d := json.NewDecoder(strings.NewReader(string(b)))
		d.DisallowUnknownFields()
		err = d.Decode(key)
	}
	if err != nil {
		return false, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadCursor, Detail: "cursor is not one this API handed out; start from the first page"}
	}
	return true, nil
}

// Limit reads ?limit= (default def, at most max).
func (c *Call) Limit(def, max int) (int, error) {
	v := c.Query.Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadLimit, Detail: "limit must be 1 to " + strconv.Itoa(max)}
	}
	return n, nil
}

// Param reads a query parameter, refusing one over 200 bytes or with
// control characters.
func (c *Call) Param(name string) (string, error) {
	v := c.Query.Get(name)
	if len(v) > 200 || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadParameter, Detail: name + " must be at most 200 bytes of text"}
	}
	return v, nil
}

// notOwner is the refusal of reading what is not the caller's.
func notOwner(what string) error {
	return &httpx.Error{Kind: httpx.KindForbidden, Code: CodeNotOwner, Detail: what + " is not yours"}
}

// notFound wraps a reader's "no rows" as a 404, other errors as they are.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return &httpx.Error{Kind: httpx.KindNotFound, Code: CodeNotFound, Detail: what + " is not known (yet: retry with " + HeaderMinPosition + " after a write)", Err: err}
	}
	return err
}
