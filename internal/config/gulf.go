package config

import (
	"net/url"
	"strconv"
	"strings"
)

// setTelrStoreID reads SOUQ_TELR_STORE_ID: empty, or Telr's numeric store.
func setTelrStoreID(c *Config, v string) string {
	c.TelrStoreID = strings.TrimSpace(v)
	if c.TelrStoreID == "" {
		return ""
	}
	if n, err := strconv.ParseUint(c.TelrStoreID, 10, 64); err != nil || n == 0 {
		return "must be Telr's numeric store ID"
	}
	return ""
}

func setTelrTest(c *Config, v string) string {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return "must be true or false"
	}
	c.TelrTest = b
	return ""
}

// setPayTabsProfileID reads SOUQ_PAYTABS_PROFILE_ID: empty, or a positive
// number.
func setPayTabsProfileID(c *Config, v string) string {
	v = strings.TrimSpace(v)
	c.PayTabsProfileID = 0
	if v == "" {
		return ""
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return "must be PayTabs' numeric profile ID"
	}
	c.PayTabsProfileID = n
	return ""
}

// publicURLSetter reads an optional absolute URL a provider or a browser
// reaches souq at: https (http only on a loopback host, for local tests).
func publicURLSetter(field func(*Config) *string) func(*Config, string) string {
	return func(c *Config, v string) string {
		v = strings.TrimSpace(v)
		*field(c) = v
		if v == "" {
			return ""
		}
		u, err := url.Parse(v)
		switch {
		case err != nil || u.Host == "" || u.User != nil:
			return "not an absolute URL without credentials, want one like https://shop.example/checkout/done"
		case u.Scheme == "https", u.Scheme == "http" && isLoopback(u.Hostname()):
			return ""
		}
		return "must be https (http only on a loopback host)"
	}
}

// gulfProblems: each gateway's account and key come together, and a
// hosted page needs somewhere to send the customer back.
func gulfProblems(c Config) []Problem {
	profile := ""
	if c.PayTabsProfileID > 0 {
		profile = strconv.FormatInt(c.PayTabsProfileID, 10)
	}
	out := append(together("SOUQ_TELR_STORE_ID", c.TelrStoreID, "SOUQ_TELR_AUTH_KEY", c.TelrAuthKey),
		together("SOUQ_PAYTABS_PROFILE_ID", profile, "SOUQ_PAYTABS_SERVER_KEY", c.PayTabsServerKey)...)
	if n := count(c.StripeAPISecret != "", c.TelrStoreID != "", profile != ""); n > 1 {
		// One gateway takes card payments and serves their refunds and
		// voids; two would leave one's payments unrefundable.
		out = append(out, Problem{Reason: "configure one card gateway: Stripe (SOUQ_STRIPE_API_SECRET), Telr (SOUQ_TELR_STORE_ID) or PayTabs (SOUQ_PAYTABS_PROFILE_ID)"})
	}
	if (c.TelrStoreID != "" || profile != "") && c.PaymentReturnURL == "" {
		out = append(out, Problem{Source: "SOUQ_PAYMENT_RETURN_URL", Reason: "required when Telr or PayTabs is configured: their hosted pages send the customer back to it", Unset: true})
	}
	return out
}

func count(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
