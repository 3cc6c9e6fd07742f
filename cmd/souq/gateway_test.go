package main

import (
	"log/slog"
	"testing"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/sandbox"
	"github.com/souq-market/souq/internal/stripe"
)

// Stripe's API key picks Stripe for card payments; without it, the sandbox.
func TestCardGatewayFollowsTheConfiguration(t *testing.T) {
	exec := commands.NewExecutor(memory.New(memory.Options{}), commands.NewRegistry(), commands.Options{})
	for _, tc := range []struct {
		name, key, want string
	}{
		{"no key", "", sandbox.Provider},
		{"Stripe key", "sk_test_souq", stripe.Provider},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gw, closeFn, err := cardGateway(config.Config{StripeAPISecret: tc.key}, exec, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = closeFn() }()
			if gw.Provider() != tc.want {
				t.Fatalf("provider %s, want %s", gw.Provider(), tc.want)
			}
		})
	}
}
