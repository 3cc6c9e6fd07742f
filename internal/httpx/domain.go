package httpx

import (
	"errors"

	"github.com/souq-market/souq/domain"
)

// domainKind maps the domain kernel's kinds onto the HTTP layer's. A domain
// Invalid is a well-formed request the rules refuse, hence 422; a body that
// does not parse is rendered by the handler as KindInvalid, 400.
func domainKind(k domain.Kind) Kind {
	switch k {
	case domain.Invalid:
		return KindUnprocessable
	case domain.NotFound:
		return KindNotFound
	case domain.Conflict:
		return KindConflict
	case domain.Forbidden:
		return KindForbidden
	case domain.Unauthenticated:
		return KindUnauthenticated
	case domain.Precondition:
		return KindPrecondition
	case domain.RateLimited:
		return KindRateLimited
	case domain.Unavailable:
		return KindUnavailable
	}
	return KindInternal
}

// Domain classifies *domain.Error: its code and message go to the client,
// its field problems as the "problems" member. Internal domain errors keep
// their message in the log only.
func Domain(err error) *Error {
	var de *domain.Error
	if !errors.As(err, &de) {
		return nil
	}
	kind := domainKind(de.Kind)
	e := &Error{Kind: kind, Code: de.Code}
	if kind != KindInternal {
		e.Detail = de.Message
		if len(de.Problems) > 0 {
			e.Extensions = map[string]any{"problems": de.Problems}
		}
	}
	return e
}
