package config

import (
	"strings"
	"testing"
)

func TestGulfSettings(t *testing.T) {
	full := map[string]string{
		"SOUQ_TELR_STORE_ID":        "15996",
		"SOUQ_TELR_AUTH_KEY":        "pQ6nP-7rHt@5WRFv",
		"SOUQ_TELR_TEST":            "true",
		"SOUQ_PAYTABS_PROFILE_ID":   "987654",
		"SOUQ_PAYTABS_SERVER_KEY":   "SJNZ96JLG-JDMKHGRWT9-RWRK2KJNRJ",
		"SOUQ_PAYTABS_URL":          "https://secure.paytabs.sa",
		"SOUQ_PAYTABS_CALLBACK_URL": "https://souq.example/webhooks/paytabs",
		"SOUQ_PAYMENT_RETURN_URL":   "https://shop.example/checkout/done",
	}
	load := func(env map[string]string) (Config, error) {
		return Load(Source{Getenv: func(k string) string { return env[k] }})
	}
	only := func(prefix string) map[string]string {
		env := map[string]string{}
		for k, v := range full {
			if !strings.HasPrefix(k, "SOUQ_TELR_") && !strings.HasPrefix(k, "SOUQ_PAYTABS_") || strings.HasPrefix(k, prefix) {
				env[k] = v
			}
		}
		return env
	}
	c, err := load(only("SOUQ_TELR_"))
	if err != nil || c.TelrStoreID != "15996" || !c.TelrTest || c.PaymentReturnURL == "" {
		t.Fatalf("Telr: %v %+v", err, c)
	}
	c, err = load(only("SOUQ_PAYTABS_"))
	if err != nil || c.PayTabsProfileID != 987654 || c.PayTabsURL != "https://secure.paytabs.sa" || c.PayTabsCallbackURL == "" {
		t.Fatalf("PayTabs: %v %+v", err, c)
	}
	if c, err := load(nil); err != nil || c.TelrStoreID != "" || c.PayTabsProfileID != 0 || c.PayTabsURL != "" || c.TelrTest {
		t.Fatalf("defaults: %v %+v", err, c)
	}
	with := func(k, v string) map[string]string {
		env := only("SOUQ_TELR_")
		if strings.HasPrefix(k, "SOUQ_PAYTABS_") {
			env = only("SOUQ_PAYTABS_")
		}
		if v == "" {
			delete(env, k)
		} else {
			env[k] = v
		}
		return env
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{with("SOUQ_TELR_STORE_ID", "store-1"), "SOUQ_TELR_STORE_ID"},
		{with("SOUQ_TELR_AUTH_KEY", ""), "SOUQ_TELR_AUTH_KEY"},
		{with("SOUQ_TELR_AUTH_KEY", "short"), "SOUQ_TELR_AUTH_KEY"},
		{with("SOUQ_TELR_TEST", "yes please"), "SOUQ_TELR_TEST"},
		{with("SOUQ_PAYTABS_PROFILE_ID", "-4"), "SOUQ_PAYTABS_PROFILE_ID"},
		{with("SOUQ_PAYTABS_SERVER_KEY", ""), "SOUQ_PAYTABS_SERVER_KEY"},
		{with("SOUQ_PAYTABS_URL", "http://paytabs.example"), "SOUQ_PAYTABS_URL"},
		{with("SOUQ_PAYTABS_CALLBACK_URL", "http://souq.example/webhooks/paytabs"), "SOUQ_PAYTABS_CALLBACK_URL"},
		{with("SOUQ_PAYMENT_RETURN_URL", ""), "SOUQ_PAYMENT_RETURN_URL"},
		{full, "configure one card gateway"},
		{with("SOUQ_STRIPE_API_SECRET", "sk_test_0123456789abcdef"), "configure one card gateway"},
		{with("SOUQ_PAYMENT_RETURN_URL", "https://user:pw@shop.example/"), "SOUQ_PAYMENT_RETURN_URL"},
	} {
		_, err := load(tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want a problem with %s, got %v", tc.want, err)
		}
		if err != nil && (strings.Contains(err.Error(), "pQ6nP-7rHt@5WRFv") || strings.Contains(err.Error(), "SJNZ96JLG")) {
			t.Errorf("a problem echoes a key: %v", err)
		}
	}
}
