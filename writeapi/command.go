package writeapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/gorilla/mux"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
)

// Codes of the refusals the command routes decide.
const (
	CodeBadIdempotencyKey = "request.bad_idempotency_key"
	CodeBadIfMatch        = "request.bad_if_match"
	CodePrecondition      = commands.CodePreconditionFailed
	CodeNotOwner          = "auth.not_owner"
)

// Answer is the body of every command's answer.
type Answer struct {
	CommandID string              `json:"command_id"`
	Stream    string              `json:"stream"`
	Revision  uint64              `json:"revision"`
	Position  eventstore.Position `json:"position"`
	Events    int                 `json:"events"`
	Replayed  bool                `json:"replayed"`
}

// call is one command request on its way through a route.
type call struct {
	actor auth.Actor
	vars  map[string]string
	meta  commands.Meta
}

// staff says whether the caller acts on anything of anyone.
func (c *call) staff() bool { return c.actor.Role.Staff() }

// route is one command route: who may call it, its body, which stream it
// writes after checking the caller may (ownership, from the aggregate), and
// the command it runs.
type route[Req validator] struct {
	op    httpx.Operation
	roles []auth.Role
	body  func() Req // a fresh request body to decode into
	// target checks ownership and names the stream written, for If-Match.
	target func(ctx context.Context, c *call, req Req) (string, error)
	run    func(ctx context.Context, c *call, req Req) (commands.Result, error)
}

// handle registers a command route behind the auth middleware.
func handle[Req validator](s *server, rt route[Req]) {
	rt.op.Errors = append(rt.op.Errors, 400, 401, 403, 409, 412, 413, 415, 422)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ans, status, err := runRoute(s, rt, w, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		h := w.Header()
		h.Set("X-Souq-Position", strconv.FormatUint(uint64(ans.Position), 10))
		h.Set("ETag", `"`+strconv.FormatUint(ans.Revision, 10)+`"`)
		if ans.Replayed {
			h.Set("Idempotency-Replayed", "true")
		}
		writeJSON(w, status, ans)
	})
	s.api.Handle(rt.op, auth.Require(s.verifier, s.api.Renderer(), rt.roles...)(h))
}

func runRoute[Req validator](s *server, rt route[Req], w http.ResponseWriter, r *http.Request) (Answer, int, error) {
	ctx := r.Context()
	actor, ok := auth.From(ctx)
	if !ok {
		return Answer{}, 0, errors.New("writeapi: a command route ran without the auth middleware")
	}
	req := rt.body()
	body, err := decode(r, w, req)
	if err != nil {
		return Answer{}, 0, err
	}
	c := &call{actor: actor, vars: mux.Vars(r), meta: commands.Meta{Actor: eventActor(actor)}}
	if err := s.idempotency(r, body, c); err != nil {
		return Answer{}, 0, err
	}
	stream, err := rt.target(ctx, c, req)
	if err != nil {
		return Answer{}, 0, err
	}
	if err := precondition(r, stream, c); err != nil {
		return Answer{}, 0, err
	}
	res, err := rt.run(ctx, c, req)
	if err != nil {
		return Answer{}, 0, err
	}
	status := rt.op.Status
	if status == 0 {
		status = http.StatusOK
	}
	return Answer{CommandID: c.meta.CommandID, Stream: res.Stream, Revision: res.Revision, Position: res.Position,
		Events: res.Events, Replayed: res.Replayed}, status, nil
}

// idempotency derives the command ID: from the Idempotency-Key (scoped to
// the user) so a retry is the same command, else a fresh one. The request
// hash covers the method, the path and the body, so the same key on other
// content is told apart from a replay (409).
func (s *server) idempotency(r *http.Request, body []byte, c *call) error {
	keys := r.Header.Values("Idempotency-Key")
	switch {
	case len(keys) > 1:
		return &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadIdempotencyKey, Detail: "send one Idempotency-Key"}
	case len(keys) == 1:
		k := keys[0]
		if k == "" || len(k) > 255 || strings.ContainsFunc(k, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
			return &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadIdempotencyKey, Detail: "the Idempotency-Key must be 1 to 255 visible ASCII characters"}
		}
		c.meta.IdempotencyKey = k
		c.meta.CommandID = commands.IdempotentID(c.meta.Actor, k)
	default:
		c.meta.CommandID = uuid.NewString()
	}
	h := sha256.New()
	h.Write([]byte(r.Method + "\x00" + r.URL.Path + "\x00"))
	h.Write(body)
	c.meta.RequestHash = hex.EncodeToString(h.Sum(nil))
	return nil
}

// precondition honours If-Match: "<revision>": the command becomes a
// compare-and-set on its stream — the executor runs it only if the stream is
// at that revision when loaded and when appended, without conflict retries,
// or answers 412 and writes nothing. A retry of a command already applied
// replays instead.
func precondition(r *http.Request, stream string, c *call) error {
	v := r.Header.Get("If-Match")
	if v == "" {
		return nil
	}
	unq, err := strconv.Unquote(v)
	want, perr := strconv.ParseUint(unq, 10, 64)
	if err != nil || perr != nil || !strings.HasPrefix(v, `"`) {
		return &httpx.Error{Kind: httpx.KindInvalid, Code: CodeBadIfMatch, Detail: `If-Match must be a quoted stream revision, such as "3"`}
	}
	c.meta.Precondition = &commands.Precondition{Stream: stream, Revision: want}
	return nil
}

// fail renders an error through httpx's one renderer, so every refusal,
// the decoder's 413 and 415 too, carries its error ID and code in the
// request's log line.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if se, ok := errors.AsType[*statusError](err); ok {
		err = se.problem(w)
	}
	s.api.Renderer().Error(w, r, err)
}

// forbidden is the refusal of a caller acting on what is not theirs.
func forbidden(format string, args ...any) error {
	return domain.Errorf(domain.Forbidden, CodeNotOwner, format, args...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
