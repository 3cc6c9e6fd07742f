package config

import (
	"errors"
	"strings"
	"testing"
)

func TestProviderSecrets(t *testing.T) {
	env := map[string]string{
		"SOUQ_STRIPE_API_SECRET":     "sk_test_0123456789abcdef",
		"SOUQ_STRIPE_WEBHOOK_SECRET": "whsec_0123456789abcdef",
		"SOUQ_CARRIER_DHL_SECRET":    "dhl-0123456789abcdef",
	}
	c, err := Load(Source{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if c.StripeAPISecret != env["SOUQ_STRIPE_API_SECRET"] || c.StripeWebhookSecret != env["SOUQ_STRIPE_WEBHOOK_SECRET"] || c.DHLSecret != env["SOUQ_CARRIER_DHL_SECRET"] || c.SMSASecret != "" {
		t.Fatalf("secrets not loaded: %+v", c)
	}
	bad := map[string]string{
		"SOUQ_STRIPE_API_SECRET":     "pk_test_0123456789abcdef", // a publishable key is no secret
		"SOUQ_STRIPE_WEBHOOK_SECRET": "whsec_short",
		"SOUQ_CARRIER_FETCHR_SECRET": "has a space in it, 16+",
	}
	_, err = Load(Source{Getenv: func(k string) string { return bad[k] }})
	var ce *Error
	if !errors.As(err, &ce) || len(ce.Problems) != 3 {
		t.Fatalf("want 3 problems, got %v", err)
	}
	for _, v := range bad {
		if strings.Contains(err.Error(), v) {
			t.Fatalf("a secret was echoed: %v", err)
		}
	}
}
