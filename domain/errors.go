package domain

import (
	"errors"
	"fmt"
	"strings"
)

// Kind says what sort of refusal an error is. The domain owns kinds and
// codes; the HTTP layer owns the one table mapping kinds to statuses.
type Kind int

const (
	// Internal is a bug or an unexpected failure; the zero Kind, so an
	// error nobody classified is never mistaken for the caller's fault.
	Internal Kind = iota
	// Invalid: the command is malformed or breaks a rule of its own
	// (missing field, negative quantity); retrying it unchanged fails again.
	Invalid
	// NotFound: the thing addressed does not exist.
	NotFound
	// Conflict: the command clashes with the current state (stock taken,
	// already cancelled, a reference reused with another amount).
	Conflict
	// Forbidden: the actor may not do this.
	Forbidden
	// Unauthenticated: the actor is unknown.
	Unauthenticated
	// Precondition: a state the caller asserted (a version) no longer holds.
	Precondition
	// RateLimited: too many attempts; try later.
	RateLimited
	// Unavailable: a dependency is down; the same command may succeed later.
	Unavailable
)

var kindNames = [...]string{"internal", "invalid", "not_found", "conflict", "forbidden", "unauthenticated", "precondition", "rate_limited", "unavailable"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Problem is one thing wrong with one field of a command.
type Problem struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is a refusal the domain decided on. Code is a stable slug such as
// "inventory.insufficient_stock" that clients may branch on; Message is for
// people; Problems lists every field problem of an Invalid command at once.
type Error struct {
	Kind     Kind
	Code     string
	Message  string
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for i, p := range e.Problems {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", p.Field, p.Code)
		if i == len(e.Problems)-1 {
			b.WriteString(")")
		}
	}
	return b.String()
}

// Is lets errors.Is(err, &Error{Code: "wallet.insufficient_funds"}) match on
// the code, or on the kind when the target has no code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	if t.Code != "" {
		return t.Code == e.Code
	}
	return t.Kind == e.Kind
}

// Errorf returns an *Error of kind with a stable code and a message.
func Errorf(kind Kind, code, format string, args ...any) error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// KindOf is the kind of the first *Error in err's chain; Internal when there
// is none, because an unclassified error is ours, not the caller's.
func KindOf(err error) Kind {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Kind
	}
	return Internal
}

// CodeOf is the code of the first *Error in err's chain, or "".
func CodeOf(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return ""
}
