package main

import (
	"log/slog"

	"github.com/souq-market/souq/commands"
	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/sandbox"
	"github.com/souq-market/souq/internal/stripe"
)

// cardGateway is the gateway card payments go through, for checkout (the
// process managers) and for the write API's refunds, voids and payment
// sessions: Stripe when SOUQ_STRIPE_API_SECRET is set, Telr or PayTabs
// when theirs are (config allows one), else the sandbox,
// which settles what it started on its own, through exec. Stripe captures
// on authorization (AutomaticCapture): checkout confirms an order on its
// capture, and nothing captures later yet. closeFn stops the sandbox's
// pending settlements.
func cardGateway(cfg config.Config, exec *commands.Executor, logger *slog.Logger) (gw paycmd.Gateway, closeFn func() error, err error) {
	if cfg.StripeAPISecret != "" {
		g, err := stripe.New(stripe.Config{SecretKey: cfg.StripeAPISecret, AutomaticCapture: true})
		if err != nil {
			return nil, nil, err
		}
		if cfg.StripeWebhookSecret == "" {
			// Outcomes reach souq only through the webhook.
			logger.Warn("Stripe takes card payments but SOUQ_STRIPE_WEBHOOK_SECRET is empty: their outcomes are refused at POST /webhooks/stripe and orders stay unpaid")
		}
		return g, func() error { return nil }, nil
	}
	if g, err := gulfGateway(cfg, logger); g != nil || err != nil { // gulf.go: Telr or PayTabs
		return g, func() error { return nil }, err
	}
	g := sandbox.New(sandbox.Options{Exec: exec, Logger: logger})
	return g, g.Close, nil
}
