package payment_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
)

// racing runs hook once, right after the first read of stream returned:
// a concurrent copy of a command storing its events between the loads of
// this one.
type racing struct {
	eventstore.Store
	stream string
	fired  atomic.Bool
	hook   func()
}

func (r *racing) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	recs, err := r.Store.ReadStream(ctx, stream, opts)
	// Not sync.Once: the hook reads the stream too, and must not wait for itself.
	if stream == r.stream && r.fired.CompareAndSwap(false, true) {
		r.hook()
	}
	return recs, err
}

// keyed is a provider with one payment per key, as Stripe is with
// idempotency keys.
type keyed struct {
	mu     sync.Mutex
	starts map[string]int
}

func (g *keyed) Provider() string { return "stripe" }
func (g *keyed) Start(_ context.Context, r paycmd.StartRequest) (paycmd.Started, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.starts[r.Key]++
	return paycmd.Started{ProviderRef: "pi_" + r.Key}, nil
}
func (g *keyed) Refund(context.Context, paycmd.RefundRequest) error { return nil }
func (g *keyed) Cancel(context.Context, paycmd.CancelRequest) error { return nil }
func (g *keyed) Session(_ context.Context, ref string) (paycmd.Started, error) {
	return paycmd.Started{ProviderRef: ref}, nil
}

// A card payment stored by a concurrent copy of the same command while
// this one was deciding is a replay (same command ID) or nothing to write
// (another command ID, same payment), never payment.already_initiated.
func TestInitiateCardRacingItsOwnCopy(t *testing.T) {
	for _, tc := range []struct {
		name      string
		copyMeta  commands.Meta
		wantReply bool
	}{
		{"same command", commands.Meta{CommandID: "start-p1"}, true},
		{"another command", commands.Meta{CommandID: "start-p1-elsewhere"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			mem := memory.New(memory.Options{})
			st := &racing{Store: mem, stream: "payment-p1"}
			x := commands.NewExecutor(st, commands.NewRegistry(), commands.Options{Retries: 3, Backoff: time.Microsecond, MaxBackoff: time.Millisecond})
			gw := &keyed{starts: map[string]int{}}
			h := paycmd.Initiate{Deps: paycmd.Deps{Exec: x, Now: func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }}, Gateway: gw}
			amount, _ := domain.New(100_00, domain.AED)
			start := paycmd.Initiation{PaymentID: "p1", OrderID: "o-1", CustomerID: "c-1", Method: payment.Card, Amount: amount}
			var copyErr error
			st.hook = func() { _, copyErr = h.Handle(ctx, start, tc.copyMeta) }

			res, err := h.Handle(ctx, start, commands.Meta{CommandID: "start-p1"})
			if copyErr != nil {
				t.Fatalf("the copy: %v", copyErr)
			}
			if err != nil {
				t.Fatalf("the retry was refused: %v", err)
			}
			if res.ProviderRef != "pi_p1" || res.Replayed != tc.wantReply || res.Events != map[bool]int{true: 1, false: 0}[tc.wantReply] {
				t.Fatalf("result %+v, want reference pi_p1, replayed %v", res, tc.wantReply)
			}
			recs, err := mem.ReadStream(ctx, "payment-p1", eventstore.ReadStreamOptions{})
			if err != nil || len(recs) != 1 || recs[0].Type != payment.TypeInitiated {
				t.Fatalf("stream holds %d events (%v), want one payment.initiated", len(recs), err)
			}
			if gw.starts["p1"] != 2 {
				t.Fatalf("provider asked %d times, want 2 (one per copy, same key)", gw.starts["p1"])
			}
		})
	}
}

// A payment already stored with another amount is still refused: the race
// fix does not turn a real conflict into a replay.
func TestInitiateCardOtherAmountStillRefused(t *testing.T) {
	ctx := context.Background()
	x := commands.NewExecutor(memory.New(memory.Options{}), commands.NewRegistry(), commands.Options{})
	gw := &keyed{starts: map[string]int{}}
	h := paycmd.Initiate{Deps: paycmd.Deps{Exec: x, Now: time.Now}, Gateway: gw}
	a, _ := domain.New(100_00, domain.AED)
	b, _ := domain.New(90_00, domain.AED)
	if _, err := h.Handle(ctx, paycmd.Initiation{PaymentID: "p1", OrderID: "o-1", CustomerID: "c-1", Method: payment.Card, Amount: a}, commands.Meta{}); err != nil {
		t.Fatal(err)
	}
	_, err := h.Handle(ctx, paycmd.Initiation{PaymentID: "p1", OrderID: "o-1", CustomerID: "c-1", Method: payment.Card, Amount: b}, commands.Meta{})
	if domain.CodeOf(err) != payment.CodeAmountMismatch {
		t.Fatalf("another amount: %v, want %s", err, payment.CodeAmountMismatch)
	}
	if gw.starts["p1"] != 1 {
		t.Fatalf("provider asked %d times for a refused command", gw.starts["p1"])
	}
}
