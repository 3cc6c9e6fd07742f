package config

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestEdgeSettings(t *testing.T) {
	c, err := Load(Source{Getenv: env(map[string]string{
		"SOUQ_REDIS_URL":       "redis://cache:6379/0",
		"SOUQ_RATE_LIMIT":      "250",
		"SOUQ_BCRYPT_COST":     "10",
		"SOUQ_TRUSTED_PROXIES": " 10.0.0.0/8, ::1 ,192.168.1.7",
		"SOUQ_CORS_ORIGINS":    "https://Shop.Souq.ae, http://localhost:3000/",
	})})
	if err != nil {
		t.Fatal(err)
	}
	if c.RedisURL != "redis://cache:6379/0" || c.RateLimit != 250 || c.BcryptCost != 10 {
		t.Fatalf("%+v", c)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("192.168.1.7/32")}
	if got := c.TrustedProxyList(); !slices.Equal(got, want) {
		t.Fatalf("proxies %v", got)
	}
	if got := c.CORSOriginList(); !slices.Equal(got, []string{"https://shop.souq.ae", "http://localhost:3000"}) {
		t.Fatalf("origins %v", got)
	}

	d, err := Load(Source{})
	if err != nil || d.RateLimit != 100 || d.BcryptCost != 12 || d.RedisURL != "" || d.CORSOriginList() != nil || d.TrustedProxyList() != nil {
		t.Fatalf("defaults: %+v %v", d, err)
	}

	_, err = Load(Source{Getenv: env(map[string]string{
		"SOUQ_REDIS_URL":       "http://cache:6379",
		"SOUQ_RATE_LIMIT":      "-1",
		"SOUQ_BCRYPT_COST":     "4",
		"SOUQ_TRUSTED_PROXIES": "10.0.0.0/33",
		"SOUQ_CORS_ORIGINS":    "*",
	})})
	for _, name := range []string{"SOUQ_REDIS_URL", "SOUQ_RATE_LIMIT", "SOUQ_BCRYPT_COST", "SOUQ_TRUSTED_PROXIES", "SOUQ_CORS_ORIGINS"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s not reported: %v", name, err)
		}
	}
	for _, bad := range []string{"https://shop.example/path", "shop.example", "https://u:p@shop.example", "ftp://x.example", "https://x.example?q=1"} {
		if _, err := Load(Source{Getenv: env(map[string]string{"SOUQ_CORS_ORIGINS": bad})}); err == nil {
			t.Errorf("origin %q accepted", bad)
		}
	}
}
