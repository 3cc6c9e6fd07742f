package writeapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/internal/httpx"
)

// MaxBody is the largest request body read: 10 MB.
const MaxBody = 10 << 20

// Codes of the refusals of decode.
const (
	CodeUnsupportedMedia = "request.unsupported_media_type"
	CodeTooLarge         = "request.too_large"
	CodeMalformed        = "request.malformed_json"
	CodeInvalidUTF8      = "request.invalid_utf8"
	CodeUnknownField     = "request.unknown_field"
	CodeTrailingData     = "request.trailing_data"
	CodeWrongType        = "request.wrong_type"
	CodeEmptyBody        = "request.empty_body"
)

// statusError is a refusal of the body itself (413, 415), rendered through
// httpx as KindTooLarge or KindUnsupportedMedia.
type statusError struct {
	status int
	code   string
	detail string
}

func (e *statusError) Error() string { return e.code + ": " + e.detail }

// validator is a request body that can list its own problems.
type validator interface {
	validate(v *domain.Validation)
}

// decode is the one request decoder of every route: it checks the content
// type, refuses bodies over MaxBody before reading them, and decodes JSON
// strictly (no unknown fields, no trailing data, valid UTF-8, wrong types
// named by field path), then lets the body validate itself, listing every
// problem at once. It returns the raw body for the request hash.
func decode(r *http.Request, w http.ResponseWriter, dst validator) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" || (params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8")) {
		return nil, &statusError{http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "send Content-Type: application/json (UTF-8)"}
	}
	if r.ContentLength > MaxBody {
		return nil, &statusError{http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("the body may hold at most %d bytes", MaxBody)}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, &statusError{http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("the body may hold at most %d bytes", MaxBody)}
		}
		return nil, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeMalformed, Detail: "the body could not be read", Err: err}
	}
	if err := Unmarshal(body, dst); err != nil {
		return nil, err
	}
	return body, nil
}

// Unmarshal decodes a request body strictly into dst and validates it. Its
// errors are *httpx.Error (400 for bodies that are not the JSON asked for)
// or *domain.Error of kind Invalid (422, every problem listed).
func Unmarshal(body []byte, dst validator) error {
	bad := func(code, detail string, err error) error {
		return &httpx.Error{Kind: httpx.KindInvalid, Code: code, Detail: detail, Err: err}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return bad(CodeEmptyBody, "the body is empty; send a JSON object", nil)
	}
	// encoding/json would silently turn bad bytes into U+FFFD.
	if !utf8.Valid(body) {
		return bad(CodeInvalidUTF8, "the body is not valid UTF-8", nil)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var (
			syntax *json.SyntaxError
			typ    *json.UnmarshalTypeError
			de     *domain.Error
		)
		switch {
		case errors.As(err, &syntax):
			return bad(CodeMalformed, fmt.Sprintf("malformed JSON at byte %d", syntax.Offset), err)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return bad(CodeMalformed, "the JSON ends early", err)
		case errors.As(err, &typ):
			field := typ.Field
			if field == "" {
				field = "(body)"
			}
			return &domain.Error{Kind: domain.Invalid, Code: domain.CodeInvalidCommand, Message: "a field has the wrong type",
				Problems: []domain.Problem{{Field: field, Code: CodeWrongType, Message: "must be " + jsonKind(typ.Type.Kind().String()) + ", not " + typ.Value}}}
		case errors.As(err, &de):
			return de
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			// encoding/json has no typed error for it; the message is stable.
			name := strings.TrimPrefix(err.Error(), "json: unknown field ")
			return &domain.Error{Kind: domain.Invalid, Code: domain.CodeInvalidCommand, Message: "unknown field",
				Problems: []domain.Problem{{Field: strings.Trim(name, `"`), Code: CodeUnknownField, Message: "is not a field of this request"}}}
		}
		return bad(CodeMalformed, "the body is not the JSON object asked for", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return bad(CodeTrailingData, "the body holds data after its JSON object", err)
	}
	var v domain.Validation
	dst.validate(&v)
	return v.Err()
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	}
	return "another type"
}

// problem turns a decoder refusal into httpx's error; a 413 also closes the
// connection, as the rest of the body is not read.
func (e *statusError) problem(w http.ResponseWriter) *httpx.Error {
	kind := httpx.KindUnsupportedMedia
	if e.status == http.StatusRequestEntityTooLarge {
		kind = httpx.KindTooLarge
		w.Header().Set("Connection", "close")
	}
	return &httpx.Error{Kind: kind, Code: e.code, Detail: e.detail}
}
