package main

import (
	"log/slog"
	"testing"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/paytabs"
	"github.com/souq-market/souq/internal/telr"
)

// Telr's or PayTabs' account picks that gateway for card payments, and
// Telr's also arms its webhook's order check; PayTabs' server key arms its
// webhook's signature check.
func TestGulfWiring(t *testing.T) {
	exec := commands.NewExecutor(memory.New(memory.Options{}), commands.NewRegistry(), commands.Options{})
	load := func(env map[string]string) config.Config {
		env["SOUQ_PAYMENT_RETURN_URL"] = "https://shop.example/done"
		cfg, err := config.Load(config.Source{Getenv: func(k string) string { return env[k] }})
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"Telr", map[string]string{"SOUQ_TELR_STORE_ID": "15996", "SOUQ_TELR_AUTH_KEY": "pQ6nP-7rHt@5WRFv"}, telr.Provider},
		{"PayTabs", map[string]string{"SOUQ_PAYTABS_PROFILE_ID": "987654", "SOUQ_PAYTABS_SERVER_KEY": "SJNZ96JLG-JDMKHGRWT9-RWRK2KJNRJ"}, paytabs.Provider},
	} {
		cfg := load(tc.env)
		gw, closeFn, err := cardGateway(cfg, exec, slog.New(slog.DiscardHandler))
		if err != nil || gw.Provider() != tc.want {
			t.Fatalf("%s: %v %v", tc.name, gw, err)
		}
		_ = closeFn()
		hooks := webhooks(cfg).Gulf
		if (hooks.Telr != nil) != (tc.want == telr.Provider) || hooks.PayTabsServerKey != tc.env["SOUQ_PAYTABS_SERVER_KEY"] || hooks.TelrStore != tc.env["SOUQ_TELR_STORE_ID"] {
			t.Fatalf("%s webhooks: %+v", tc.name, hooks)
		}
	}
	if h := webhooks(load(map[string]string{})).Gulf; h.Telr != nil || h.PayTabsServerKey != "" {
		t.Fatalf("unconfigured: %+v", h)
	}
}
