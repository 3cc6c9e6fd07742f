package writeapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/ratelimit"
	rlredis "github.com/souq-market/souq/internal/ratelimit/redis"
	"github.com/souq-market/souq/internal/testenv"
)

// send posts a cheap request (a logout with a junk token: 204, nothing
// written) from an address, with optional headers.
func send(e *env, remote string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/v1/auth/logout", strings.NewReader(`{"refresh_token":"junk"}`))
	req.RemoteAddr = remote
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// TestRateLimit runs the HTTP rate limit over both limiters: the 101st
// request of a minute is refused with 429, Retry-After and the RateLimit
// headers; users and addresses have budgets of their own.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	policy := ratelimit.Policy{Limit: 100, Window: time.Minute}
	limiters := map[string]func(t *testing.T) ratelimit.Limiter{
		"memory": func(t *testing.T) ratelimit.Limiter {
			l, err := ratelimit.NewMemory(policy, nil)
			if err != nil {
				t.Fatal(err)
			}
			return l
		},
		"redis": func(t *testing.T) ratelimit.Limiter {
			c, err := rlredis.Open(context.Background(), testenv.URL(t, testenv.Redis))
			if err != nil {
				t.Fatal(err)
			}
			prefix := "souq-test:" + uuid.NewString() + ":"
			t.Cleanup(func() {
				keys, _ := c.Keys(context.Background(), prefix+"*").Result()
				if len(keys) > 0 {
					c.Del(context.Background(), keys...)
				}
				_ = c.Close()
			})
			l, err := rlredis.New(c, policy, prefix)
			if err != nil {
				t.Fatal(err)
			}
			return l
		},
	}
	for name, newLimiter := range limiters {
		t.Run(name, func(t *testing.T) {
			proxy := netip.MustParsePrefix("10.0.0.0/8")
			e := idEnv(t, Edge{Limiter: newLimiter(t), Policy: policy, TrustedProxies: []netip.Prefix{proxy}})
			for i := 1; i <= 100; i++ {
				rec := send(e, "192.0.2.7:5000")
				if rec.Code != http.StatusNoContent || rec.Header().Get("RateLimit-Remaining") != strconv.Itoa(100-i) {
					t.Fatalf("request %d: %d remaining %q", i, rec.Code, rec.Header().Get("RateLimit-Remaining"))
				}
			}
			rec := send(e, "192.0.2.7:5001")
			wantProblem(t, rec, http.StatusTooManyRequests, CodeRateLimited)
			ra, err := strconv.Atoi(rec.Header().Get("Retry-After"))
			if err != nil || ra < 1 || ra > 60 || rec.Header().Get("RateLimit-Limit") != "100" || rec.Header().Get("RateLimit-Policy") != "100;w=60" {
				t.Fatalf("429 headers: %v", rec.Header())
			}
			// A forged X-Forwarded-For from an untrusted peer changes nothing.
			wantProblem(t, send(e, "192.0.2.7:5002", "X-Forwarded-For", "198.51.100.1"), 429, CodeRateLimited)
			// Behind a trusted proxy the client's address counts.
			if rec := send(e, "10.1.2.3:443", "X-Forwarded-For", "203.0.113.9, 10.9.9.9"); rec.Code != 204 {
				t.Fatalf("behind the proxy: %d", rec.Code)
			}
			wantProblem(t, send(e, "10.1.2.3:443", "X-Forwarded-For", "192.0.2.7"), 429, CodeRateLimited)
			// A signed-in user has a budget of their own, wherever they are.
			tok := e.token(auth.Customer, "c-limit")
			if rec := send(e, "192.0.2.7:5003", "Authorization", "Bearer "+tok); rec.Code != 204 || rec.Header().Get("RateLimit-Remaining") != "99" {
				t.Fatalf("user budget: %d %v", rec.Code, rec.Header())
			}
			// Probes are never limited.
			for _, path := range []string{"/healthz", "/metrics"} {
				req := httptest.NewRequest("GET", path, nil)
				req.RemoteAddr = "192.0.2.7:1"
				rec := httptest.NewRecorder()
				e.h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					t.Fatalf("%s: %d", path, rec.Code)
				}
			}
		})
	}
}

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, tc := range []struct {
		remote, xff, want string
	}{
		{"192.0.2.1:1", "", "192.0.2.1"},
		{"192.0.2.1:1", "203.0.113.5", "192.0.2.1"},                     // untrusted peer: header ignored
		{"10.0.0.1:1", "203.0.113.5", "203.0.113.5"},                    // one proxy
		{"10.0.0.1:1", "1.1.1.1, 203.0.113.5, 10.0.0.2", "203.0.113.5"}, // spoofed left part skipped
		{"10.0.0.1:1", "garbage", "10.0.0.1"},
		{"10.0.0.1:1", "", "10.0.0.1"},
		{"[::1]:1", "2001:db8::1", "2001:db8::1"},
		{"[::ffff:192.0.2.9]:1", "", "192.0.2.9"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := clientIP(r, trusted); got.String() != tc.want {
			t.Errorf("%s %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
	a := netip.MustParseAddr("2001:db8:1:2:3:4:5:6")
	b := netip.MustParseAddr("2001:db8:1:2:ffff::1")
	if clientKey(a) != clientKey(b) || clientKey(a) != "2001:db8:1:2::/64" {
		t.Fatalf("IPv6 keys %s %s", clientKey(a), clientKey(b))
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	e := idEnv(t, Edge{CORSOrigins: []string{"https://shop.souq.ae"}})
	do := func(method, origin string, headers ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "/v1/auth/logout", strings.NewReader(`{"refresh_token":"x"}`))
		req.Header.Set("Content-Type", "application/json")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return rec
	}
	rec := do("POST", "https://shop.souq.ae")
	if rec.Code != 204 || rec.Header().Get("Access-Control-Allow-Origin") != "https://shop.souq.ae" || !strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "X-Souq-Position") {
		t.Fatalf("allowed origin: %d %v", rec.Code, rec.Header())
	}
	for _, origin := range []string{"https://evil.example", "https://shop.souq.ae.evil.example", "null", ""} {
		if rec := do("POST", origin); rec.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("%q got CORS headers", origin)
		}
	}
	pre := do("OPTIONS", "https://shop.souq.ae", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization, content-type, idempotency-key")
	if pre.Code != 204 || pre.Header().Get("Access-Control-Allow-Origin") != "https://shop.souq.ae" || !strings.Contains(pre.Header().Get("Access-Control-Allow-Headers"), "Idempotency-Key") || pre.Header().Get("Access-Control-Max-Age") == "" {
		t.Fatalf("preflight: %d %v", pre.Code, pre.Header())
	}
	for name, rec := range map[string]*httptest.ResponseRecorder{
		"other origin":  do("OPTIONS", "https://evil.example", "Access-Control-Request-Method", "POST"),
		"DELETE":        do("OPTIONS", "https://shop.souq.ae", "Access-Control-Request-Method", "DELETE"),
		"odd header":    do("OPTIONS", "https://shop.souq.ae", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "x-admin"),
		"no preflight?": do("OPTIONS", "", "Access-Control-Request-Method", "POST"),
	} {
		if rec.Code != 204 || rec.Header().Get("Access-Control-Allow-Origin") != "" || rec.Header().Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("%s: %d %v", name, rec.Code, rec.Header())
		}
	}
	// Without configured origins nobody gets CORS headers.
	plain := idEnv(t, Edge{})
	req := httptest.NewRequest("OPTIONS", "/v1/auth/logout", nil)
	req.Header.Set("Origin", "https://shop.souq.ae")
	req.Header.Set("Access-Control-Request-Method", "POST")
	rec = httptest.NewRecorder()
	plain.h.ServeHTTP(rec, req)
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("CORS without configuration: %v", rec.Header())
	}
}
