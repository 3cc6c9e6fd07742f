package kurrent

import (
	"context"
	"errors"
	"testing"

	"github.com/kurrent-io/KurrentDB-Client-Go/kurrentdb"

	"github.com/souq-market/souq/eventstore"
)

// fakeErr stands in for *kurrentdb.Error, whose fields are unexported.
type fakeErr struct{ c kurrentdb.ErrorCode }

func (e fakeErr) Error() string             { return "fake client error" }
func (e fakeErr) Code() kurrentdb.ErrorCode { return e.c }

func TestTranslate(t *testing.T) {
	ctx := context.Background()
	for _, c := range []kurrentdb.ErrorCode{kurrentdb.ErrorCodeResourceNotFound, kurrentdb.ErrorCodeStreamDeleted, kurrentdb.ErrorCodeStreamTombstoned} {
		err := translate(ctx, "read", "order-1", fakeErr{c})
		var nf *eventstore.StreamNotFoundError
		if !errors.As(err, &nf) || nf.Stream != "order-1" || !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Errorf("read with code %d: %v, want a *StreamNotFoundError for order-1", c, err)
		}
		if err := translate(ctx, "append", "order-1", fakeErr{c}); errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Errorf("append with code %d: %v must not claim the stream is missing", c, err)
		}
	}
	if err := translate(ctx, "read $all", "", fakeErr{kurrentdb.ErrorCodeConnectionClosed}); !errors.Is(err, eventstore.ErrClosed) {
		t.Errorf("closed connection: %v, want ErrClosed", err)
	}
	err := translate(ctx, "append", "order-1", fakeErr{kurrentdb.ErrorUnavailable})
	var fe fakeErr
	if !errors.As(err, &fe) || fe.c != kurrentdb.ErrorUnavailable || errors.Is(err, eventstore.ErrConflict) {
		t.Errorf("unavailable: %v, want the client error kept in the chain", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := translate(cancelled, "read", "order-1", fakeErr{kurrentdb.ErrorCodeUnknown}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled call: %v, want context.Canceled", err)
	}
	if translate(ctx, "read", "x", nil) != nil {
		t.Error("nil error translated to non-nil")
	}
}
