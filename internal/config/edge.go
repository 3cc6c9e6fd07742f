package config

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// The settings of the write API's front door and accounts: rate limits
// (in process, or in Redis when SOUQ_REDIS_URL is set), the proxies whose
// X-Forwarded-For is believed, CORS origins and the bcrypt cost. Lists are
// kept as the validated, normalized text, so Config stays comparable; the
// methods below return them parsed.

func setRedisURL(c *Config, v string) string {
	c.RedisURL = v
	if v == "" {
		return ""
	}
	return urlProblem(v, []string{"redis", "rediss"}, "redis://host:6379/0")
}

func setRateLimit(c *Config, v string) string {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1_000_000 {
		return "must be a whole number of requests per minute, 0 (off) to 1000000"
	}
	c.RateLimit = n
	return ""
}

func setBcryptCost(c *Config, v string) string {
	n, err := strconv.Atoi(v)
	if err != nil || n < 10 || n > 15 {
		return "must be 10 to 15 (each step doubles the work; 12 is the production default)"
	}
	c.BcryptCost = n
	return ""
}

func setTrustedProxies(c *Config, v string) string {
	var out []string
	for _, item := range splitList(v) {
		p, err := parsePrefix(item)
		if err != nil {
			return "must be a comma-separated list of IP addresses or CIDR prefixes (10.0.0.0/8, ::1)"
		}
		out = append(out, p.String())
	}
	c.TrustedProxies = strings.Join(out, ",")
	return ""
}

func setCORSOrigins(c *Config, v string) string {
	var out []string
	for _, item := range splitList(v) {
		u, err := url.Parse(item)
		if item == "*" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return "must be a comma-separated list of origins such as https://shop.example (scheme and host only; no *)"
		}
		out = append(out, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	c.CORSOrigins = strings.Join(out, ",")
	return ""
}

// TrustedProxyList is TrustedProxies parsed.
func (c Config) TrustedProxyList() []netip.Prefix {
	var out []netip.Prefix
	for _, item := range splitList(c.TrustedProxies) {
		if p, err := parsePrefix(item); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// CORSOriginList is CORSOrigins as a list.
func (c Config) CORSOriginList() []string { return splitList(c.CORSOrigins) }

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
