package config

import (
	"errors"
	"strings"
	"testing"
)

func TestCarrierAPISettings(t *testing.T) {
	full := map[string]string{
		"SOUQ_CARRIER_ARAMEX_API_URL":    "https://ws.aramex.net/ShippingAPI.V2?account=20016&entity=AMM&country=JO",
		"SOUQ_CARRIER_ARAMEX_API_SECRET": "api@souq.example:pass:331421",
		"SOUQ_CARRIER_DHL_API_URL":       "https://express.api.dhl.com/mydhlapi?account=123456789",
		"SOUQ_CARRIER_DHL_API_SECRET":    "apiKey1234:apiSecret5678",
		"SOUQ_CARRIER_SMSA_API_URL":      "http://127.0.0.1:9000",
		"SOUQ_CARRIER_SMSA_API_SECRET":   "b60dbb7bc50a4331a3411c820c08dffc",
		"SOUQ_CARRIER_FETCHR_API_URL":    "https://api.order.fetchr.us?address_id=ADDR13940659_25321",
		"SOUQ_CARRIER_FETCHR_API_SECRET": "fetchr-token-0123456789",
	}
	c, err := Load(Source{Getenv: func(k string) string { return full[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if c.AramexAPIURL != full["SOUQ_CARRIER_ARAMEX_API_URL"] || c.AramexAPISecret != full["SOUQ_CARRIER_ARAMEX_API_SECRET"] ||
		c.DHLAPIURL == "" || c.DHLAPISecret == "" || c.SMSAAPIURL == "" || c.SMSAAPISecret == "" || c.FetchrAPIURL == "" || c.FetchrAPISecret == "" {
		t.Fatalf("carrier APIs not loaded: %+v", c)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"SOUQ_CARRIER_DHL_API_URL": "https://express.api.dhl.com/mydhlapi?account=1"}, "SOUQ_CARRIER_DHL_API_SECRET: required"},
		{map[string]string{"SOUQ_CARRIER_SMSA_API_SECRET": "b60dbb7bc50a4331a3411c820c08dffc"}, "SOUQ_CARRIER_SMSA_API_URL: required"},
		{map[string]string{"SOUQ_CARRIER_DHL_API_URL": "https://express.api.dhl.com/mydhlapi", "SOUQ_CARRIER_DHL_API_SECRET": "apiKey1234:apiSecret5678"}, "needs account="},
		{map[string]string{"SOUQ_CARRIER_ARAMEX_API_URL": "https://ws.aramex.net/ShippingAPI.V2?account=1", "SOUQ_CARRIER_ARAMEX_API_SECRET": "u:p:1234567890123"}, "needs entity=, country="},
		{map[string]string{"SOUQ_CARRIER_FETCHR_API_URL": "http://api.order.fetchr.us?address_id=A", "SOUQ_CARRIER_FETCHR_API_SECRET": "fetchr-token-0123456789"}, "must be https"},
		{map[string]string{"SOUQ_CARRIER_SMSA_API_URL": "ecomapis.smsaexpress.com", "SOUQ_CARRIER_SMSA_API_SECRET": "b60dbb7bc50a4331a3411c820c08dffc"}, "not a URL"},
		{map[string]string{"SOUQ_CARRIER_POLL_INTERVAL": "100ms"}, "SOUQ_CARRIER_POLL_INTERVAL"},
		{map[string]string{"SOUQ_CARRIER_POLL_INTERVAL": "often"}, "SOUQ_CARRIER_POLL_INTERVAL"},
	} {
		if _, err := Load(Source{Getenv: func(k string) string { return tc.env[k] }}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want a problem saying %q", tc.env, err, tc.want)
		}
	}
	// A bad credential is refused without being echoed.
	bad := "has a space, yet sixteen+"
	_, err = Load(Source{Getenv: func(k string) string {
		return map[string]string{"SOUQ_CARRIER_DHL_API_URL": full["SOUQ_CARRIER_DHL_API_URL"], "SOUQ_CARRIER_DHL_API_SECRET": bad}[k]
	}})
	var ce *Error
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || strings.Contains(err.Error(), bad) {
		t.Fatalf("bad secret: %v", err)
	}
}
