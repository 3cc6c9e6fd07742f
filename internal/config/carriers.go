package config

import (
	"net/url"
	"strings"
)

// carrierAPIURLSetter reads a carrier booking API's base URL: optional,
// https (http only on a loopback host, for local stubs: the credentials
// travel with every request), its query holding the account's non-secret
// parameters named by need.
func carrierAPIURLSetter(field func(*Config) *string, example string, need ...string) func(*Config, string) string {
	return func(c *Config, v string) string {
		v = strings.TrimSpace(v)
		*field(c) = v
		if v == "" {
			return ""
		}
		u, err := url.Parse(v)
		switch {
		case err != nil || u.Host == "":
			return "not a URL, want one like " + example
		case u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())):
			return "must be https (http only on a loopback host): the carrier's credentials travel with every request"
		}
		var missing []string
		for _, p := range need {
			if u.Query().Get(p) == "" {
				missing = append(missing, p+"=")
			}
		}
		if len(missing) > 0 {
			return "needs " + strings.Join(missing, ", ") + " in its query, as in " + example
		}
		return ""
	}
}

// carrierProblems: a carrier's booking API URL and its credentials come
// together.
func carrierProblems(c Config) []Problem {
	var out []Problem
	for _, p := range []struct{ name, u, secret string }{{"FETCHR", c.FetchrAPIURL, c.FetchrAPISecret},
		{"ARAMEX", c.AramexAPIURL, c.AramexAPISecret}, {"SMSA", c.SMSAAPIURL, c.SMSAAPISecret}, {"DHL", c.DHLAPIURL, c.DHLAPISecret}} {
		out = append(out, together("SOUQ_CARRIER_"+p.name+"_API_URL", p.u, "SOUQ_CARRIER_"+p.name+"_API_SECRET", p.secret)...)
	}
	return out
}
