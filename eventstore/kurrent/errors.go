package kurrent

import (
	"context"
	"errors"
	"fmt"

	"github.com/kurrent-io/KurrentDB-Client-Go/kurrentdb"

	"github.com/souq-market/souq/eventstore"
)

// coded is what *kurrentdb.Error implements; matching the interface rather
// than the type lets tests make client errors, whose fields are unexported.
type coded interface{ Code() kurrentdb.ErrorCode }

// code is the client's error code of err, or ErrorCodeUnknown.
func code(err error) kurrentdb.ErrorCode {
	var ce coded
	if errors.As(err, &ce) {
		return ce.Code()
	}
	return kurrentdb.ErrorCodeUnknown
}

// missing reports whether a read failed because the stream has no events:
// never written, deleted or tombstoned.
func missing(c kurrentdb.ErrorCode) bool {
	switch c {
	case kurrentdb.ErrorCodeResourceNotFound, kurrentdb.ErrorCodeStreamDeleted, kurrentdb.ErrorCodeStreamTombstoned:
		return true
	}
	return false
}

// translate maps a client error of operation op on stream (empty for $all)
// to the port's errors, keeping the original in the chain.
func translate(ctx context.Context, op, stream string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		// The client reports a cancelled call in several shapes; the caller
		// wants to match its own context's error.
		return fmt.Errorf("kurrent: %s: %w", op, ctx.Err())
	}
	c := code(err)
	switch {
	case op != "append" && stream != "" && missing(c):
		return &eventstore.StreamNotFoundError{Stream: stream}
	case c == kurrentdb.ErrorCodeConnectionClosed:
		return fmt.Errorf("kurrent: %s: %w: %w", op, eventstore.ErrClosed, err)
	case stream != "":
		return fmt.Errorf("kurrent: %s %q: %w", op, stream, err)
	default:
		return fmt.Errorf("kurrent: %s: %w", op, err)
	}
}
