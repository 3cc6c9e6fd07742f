package cached_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/internal/cache"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/cached"
	"github.com/souq-market/souq/projections/viewtest"
)

// failing is a cache whose counter writes fail with err.
type failing struct {
	*cache.Memory
	err error
}

func (f failing) Add(context.Context, string, string, uint64, map[string]int64) (bool, error) {
	return false, f.err
}

// TestCacheDownIsTransient: Redis out of reach (a real refused dial) fails
// the batch as projections.Transient, so the runner waits it out; any other
// refusal stays a plain error, which the runner parks.
func TestCacheDownIsTransient(t *testing.T) {
	ctx := context.Background()
	reg := viewtest.Registry(inventory.Events())
	h := viewtest.NewHistory(t, reg)
	h.Add("inventory-oud-50@dxb", inventory.Received{SKU: "oud-50", Location: "dxb", Quantity: 10, At: h.At()})
	evs, err := h.Store.ReadAll(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	_, dialErr := net.Dial("tcp", "127.0.0.1:1")
	if dialErr == nil {
		t.Skip("something listens on port 1")
	}
	for _, c := range []struct {
		err       error
		transient bool
	}{{dialErr, true}, {cache.ErrInvalid, false}, {errors.New("WRONGTYPE Operation against a key holding the wrong kind of value"), false}} {
		p, err := cached.New(reg, failing{cache.NewMemory(time.Now), c.err})
		if err != nil {
			t.Fatal(err)
		}
		err = p.Handle(ctx, evs)
		if err == nil || !errors.Is(err, c.err) || projections.IsTransient(err) != c.transient {
			t.Fatalf("cache failing with %v: %v, want transient %v", c.err, err, c.transient)
		}
	}
}
