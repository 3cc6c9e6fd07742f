package httpx

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
)

// Kind is the class of a failure. It alone decides the HTTP status, through
// the table in Status. The domain kernel will own its kinds; a Classifier in
// writeapi or readapi maps them onto these.
type Kind string

const (
	KindInvalid          Kind = "invalid"       // malformed request: 400
	KindUnprocessable    Kind = "unprocessable" // well-formed but refused: 422
	KindUnauthenticated  Kind = "unauthenticated"
	KindForbidden        Kind = "forbidden"
	KindNotFound         Kind = "not_found"
	KindMethodNotAllowed Kind = "method_not_allowed"
	KindConflict         Kind = "conflict"
	KindPrecondition     Kind = "precondition_failed"
	KindTooLarge         Kind = "too_large"              // a body over its limit: 413
	KindUnsupportedMedia Kind = "unsupported_media_type" // a content type not taken: 415
	KindRateLimited      Kind = "rate_limited"
	KindUnavailable      Kind = "unavailable"
	KindInternal         Kind = "internal"
)

// Status is the one table from kinds to HTTP statuses. Unknown kinds are
// internal errors: a kind nobody mapped is a bug, not a client's fault.
func (k Kind) Status() int {
	switch k {
	case KindInvalid:
		return http.StatusBadRequest
	case KindUnprocessable:
		return http.StatusUnprocessableEntity
	case KindUnauthenticated:
		return http.StatusUnauthorized
	case KindForbidden:
		return http.StatusForbidden
	case KindNotFound:
		return http.StatusNotFound
	case KindMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case KindConflict:
		return http.StatusConflict
	case KindPrecondition:
		return http.StatusPreconditionFailed
	case KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case KindUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case KindRateLimited:
		return http.StatusTooManyRequests
	case KindUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Error is an error that knows how it is shown to a client. Handlers return
// it (wrapped or not) for failures they classify themselves.
type Error struct {
	Kind   Kind
	Code   string // stable slug, such as "inventory.insufficient_stock"
	Detail string // for the client; never internal details
	Err    error  // the cause, logged but never sent
	// Extensions are extra problem members, such as the failed checks of
	// /readyz. They never override the standard members.
	Extensions map[string]any
}

func (e *Error) Error() string {
	msg := string(e.Kind) + ": " + e.Code
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Classifier recognises errors of another layer (the event store, the
// domain) and says how to show them. It returns nil for errors it does not
// know.
type Classifier func(error) *Error

// Problem is an RFC 9457 problem details object, with souq's members code
// and error_id.
type Problem struct {
	Type       string         `json:"type"`
	Title      string         `json:"title"`
	Status     int            `json:"status"`
	Code       string         `json:"code"`
	Detail     string         `json:"detail,omitempty"`
	ErrorID    string         `json:"error_id"`
	Extensions map[string]any `json:"-"`
}

// MarshalJSON writes the standard members and then the extensions that do
// not collide with them.
func (p Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	base, err := json.Marshal(plain(p))
	if err != nil || len(p.Extensions) == 0 {
		return base, err
	}
	merged := map[string]any{}
	for k, v := range p.Extensions {
		merged[k] = v
	}
	var std map[string]any
	if err := json.Unmarshal(base, &std); err != nil {
		return nil, err
	}
	for k, v := range std {
		merged[k] = v
	}
	return json.Marshal(merged)
}

// ProblemType is the type URI of a code. A URN, since there is no public
// page per problem to point at; the code is the stable part.
func ProblemType(code string) string { return "urn:souq:problem:" + code }

// ContentType of every error response.
const ContentType = "application/problem+json"

// Renderer writes every error response of an API, so each one has the same
// shape and its error ID shows in the request's log line.
type Renderer struct {
	classifiers []Classifier
}

// NewRenderer returns a renderer trying the classifiers in order after
// *Error itself.
func NewRenderer(classifiers ...Classifier) *Renderer {
	return &Renderer{classifiers: classifiers}
}

// Classify finds how an error is shown. Errors nobody recognises are
// internal, and their text stays in the log.
func (r *Renderer) Classify(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	for _, c := range r.classifiers {
		if e := c(err); e != nil {
			if e.Err == nil {
				e.Err = err
			}
			return e
		}
	}
	return &Error{Kind: KindInternal, Code: "internal", Err: err}
}

// Error writes err as a problem. The request must have passed through the
// API's middleware for the error ID to reach the log; otherwise the ID is
// still generated and sent.
func (r *Renderer) Error(w http.ResponseWriter, req *http.Request, err error) {
	e := r.Classify(err)
	status := e.Kind.Status()
	code := e.Code
	if code == "" {
		code = string(e.Kind)
	}
	detail := e.Detail
	st := stateOf(req.Context())
	id := newID()
	if st != nil {
		id = st.id
		st.code, st.err = code, err
	}
	if status == http.StatusInternalServerError && detail == "" {
		detail = "an internal error; quote error_id " + id + " when reporting it"
	}
	p := Problem{
		Type: ProblemType(code), Title: http.StatusText(status), Status: status,
		Code: code, Detail: detail, ErrorID: id, Extensions: e.Extensions,
	}
	body, merr := json.Marshal(p)
	if merr != nil { // only if an extension cannot be marshalled
		p.Extensions = nil
		body, _ = json.Marshal(p)
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	if status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", "Bearer")
	}
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// errorAttrs are the log attributes of a rendered error.
func errorAttrs(st *state) []slog.Attr {
	if st.code == "" {
		return nil
	}
	attrs := []slog.Attr{slog.String("error_id", st.id), slog.String("code", st.code)}
	if st.err != nil {
		attrs = append(attrs, slog.String("error", strings.ToValidUTF8(st.err.Error(), "\uFFFD")))
	}
	return attrs
}
