package sandbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/sandbox"
)

// Session answers the client secret Start gave, by reference, from a
// gateway that did not start the payment too (another process, a restart);
// a reference the sandbox never issued is not found.
func TestSessionByReference(t *testing.T) {
	exec := commands.NewExecutor(memory.New(memory.Options{}), commands.NewRegistry(), commands.Options{})
	ctx := context.Background()
	starter := sandbox.New(sandbox.Options{Exec: exec, Delay: time.Hour}) // never settles in the test
	defer func() { _ = starter.Close() }()
	amount, _ := domain.New(100_00, domain.AED)
	started, err := starter.Start(ctx, paycmd.StartRequest{Key: "pay-1", PaymentID: "pay-1", OrderID: "o-1", CustomerID: "c-1", Amount: amount})
	if err != nil {
		t.Fatal(err)
	}
	other := sandbox.New(sandbox.Options{Exec: exec})
	defer func() { _ = other.Close() }()
	for _, g := range []*sandbox.Gateway{starter, other} {
		s, err := g.Session(ctx, started.ProviderRef)
		if err != nil || s.ClientSecret != started.ClientSecret || s.ProviderRef != started.ProviderRef {
			t.Fatalf("session %+v (%v), want %+v", s, err, started)
		}
	}
	for _, ref := range []string{"", "sbx_", "pi_123", "wallet:pay-1"} {
		if _, err := other.Session(ctx, ref); domain.KindOf(err) != domain.NotFound {
			t.Fatalf("session of %q: %v, want not found", ref, err)
		}
	}
}
