package testenv

import (
	"context"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// Service is a server tests may need.
type Service struct {
	Name    string // as written in SOUQ_TEST_REQUIRE
	EnvVar  string // where its address is configured
	Default string // address used when EnvVar is empty; "" means optional
}

var (
	Postgres = Service{Name: "postgres", EnvVar: "SOUQ_TEST_POSTGRES_URL", Default: "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"}
	Redis    = Service{Name: "redis", EnvVar: "SOUQ_TEST_REDIS_URL", Default: "redis://127.0.0.1:6379/0"}
	Kurrent  = Service{Name: "kurrentdb", EnvVar: "SOUQ_TEST_KURRENTDB_URL"}
)

// URL returns the service's address, or skips the test with a clear message
// when the service is absent, or fails it when SOUQ_TEST_REQUIRE names it.
func URL(t testing.TB, s Service) string {
	t.Helper()
	addr := os.Getenv(s.EnvVar)
	if addr == "" {
		addr = s.Default
	}
	if addr == "" {
		absent(t, s, s.EnvVar+" is not set")
		return ""
	}
	if err := reachable(addr); err != nil {
		absent(t, s, err.Error())
	}
	return addr
}

// Required reports whether SOUQ_TEST_REQUIRE names the service.
func Required(s Service) bool {
	for _, name := range strings.Split(os.Getenv("SOUQ_TEST_REQUIRE"), ",") {
		if strings.TrimSpace(name) == s.Name {
			return true
		}
	}
	return false
}

func absent(t testing.TB, s Service, why string) {
	t.Helper()
	if Required(s) {
		t.Fatalf("%s is required (SOUQ_TEST_REQUIRE) but unavailable: %s", s.Name, why)
	}
	t.Skipf("%s unavailable, skipping (set %s to run against a real server): %s", s.Name, s.EnvVar, why)
}

// reachable dials the host of a URL, so an absent server skips at once
// instead of timing out inside a driver.
func reachable(addr string) error {
	u, err := url.Parse(addr)
	if err != nil {
		return err
	}
	host := u.Host
	if host == "" {
		return nil // a socket path or a form we cannot dial; let the driver tell
	}
	if !strings.Contains(host, ":") {
		host = net.JoinHostPort(host, defaultPort(u.Scheme))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", host)
	if err != nil {
		return err
	}
	return conn.Close()
}

func defaultPort(scheme string) string {
	switch scheme {
	case "postgres", "postgresql":
		return "5432"
	case "redis", "rediss":
		return "6379"
	case "esdb", "kurrentdb", "kdb":
		return "2113"
	}
	return "80"
}
