package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestAccountsEndToEnd: a fresh `souq serve` registers a customer, logs
// them in, takes their access token on /v1/me/addresses, answers CORS for
// the configured origin only, and limits anonymous callers per IP.
func TestAccountsEndToEnd(t *testing.T) {
	addrs, stop := startInProcess(t, []string{"serve"}, map[string]string{
		"SOUQ_DATA_DIR": t.TempDir(), "SOUQ_LOG_FORMAT": "json", "SOUQ_WRITE_ADDR": "127.0.0.1:0", "SOUQ_READ_ADDR": "127.0.0.1:0",
		"SOUQ_BCRYPT_COST": "10", "SOUQ_RATE_LIMIT": "4", "SOUQ_CORS_ORIGINS": "https://shop.souq.ae",
	})
	defer func() {
		if code := stop(); code != exitOK {
			t.Errorf("exit %d", code)
		}
	}()
	anon := client{t: t, base: "http://" + addrs["write"]}
	resp, body := anon.do("POST", "/v1/auth/register", `{"email":"hala@example.sa","password":"rose water 1990","name":"Hala"}`, "Origin", "https://shop.souq.ae")
	if resp.StatusCode != 201 || resp.Header.Get("Access-Control-Allow-Origin") != "https://shop.souq.ae" {
		t.Fatalf("register: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	resp, body = anon.do("POST", "/v1/auth/login", `{"email":"hala@example.sa","password":"rose water 1990"}`, "Origin", "https://evil.example")
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("login: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("%s %v", body, err)
	}
	me := client{t: t, base: anon.base, token: tok.AccessToken}
	resp, body = me.do("POST", "/v1/me/addresses", `{"address_id":"home","recipient":"Hala","phone":"+966551234567","line1":"King Fahd Rd 1","city":"Riyadh","country":"SA"}`)
	if resp.StatusCode != 201 || !strings.Contains(body, `"stream":"user-`) {
		t.Fatalf("address: %d %s", resp.StatusCode, body)
	}
	// Anonymous budget of 4 a minute: two spent above (the client sends a
	// bad bearer, which counts against the IP), two left, then 429.
	for i := range 3 {
		resp, body = anon.do("POST", "/v1/auth/logout", `{"refresh_token":"x"}`)
		want := http.StatusNoContent
		if i == 2 {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want {
			t.Fatalf("anonymous request %d: %d %s", i+3, resp.StatusCode, body)
		}
	}
	if resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "request.rate_limited") {
		t.Fatalf("429 without Retry-After: %v %s", resp.Header, body)
	}
}
