package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// An account registered, logged in and given an address over the write
// API reads itself back on the read API's GET /v1/me, through the users
// view that serve projects (its personal fields sealed in the log and
// opened on the way).
func TestMeEndToEnd(t *testing.T) {
	addrs, stop := startInProcess(t, []string{"serve"}, map[string]string{
		"SOUQ_DATA_DIR": t.TempDir(), "SOUQ_LOG_FORMAT": "json", "SOUQ_WRITE_ADDR": "127.0.0.1:0", "SOUQ_READ_ADDR": "127.0.0.1:0",
		"SOUQ_SHUTDOWN_TIMEOUT": "20s", "SOUQ_BCRYPT_COST": "10",
	})
	defer stop()
	w, r := "http://"+addrs["write"], "http://"+addrs["read"]
	anon := client{t, w, ""}
	resp, body := anon.do("POST", "/v1/auth/register", `{"email":"amal@example.ae","password":"a long passphrase 2026","name":"Amal","locale":"ar"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	resp, body = anon.do("POST", "/v1/auth/login", `{"email":"amal@example.ae","password":"a long passphrase 2026"}`)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &tok) != nil || tok.AccessToken == "" {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	me := client{t, w, tok.AccessToken}
	resp, body = me.do("POST", "/v1/me/addresses", `{"address_id":"home","recipient":"Amal","phone":"+971501234567","line1":"Villa 7","city":"Dubai","country":"AE"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("add address: %d %s", resp.StatusCode, body)
	}
	pos := resp.Header.Get("X-Souq-Position")
	resp, body = client{t, r, tok.AccessToken}.do("GET", "/v1/me", "", "X-Souq-Min-Position", pos)
	if resp.StatusCode != 200 || !strings.Contains(body, `"email":"amal@example.ae"`) || !strings.Contains(body, `"default_address_id":"home"`) ||
		!strings.Contains(body, `"city":"Dubai"`) || !strings.Contains(body, `"role":"customer"`) {
		t.Fatalf("GET /v1/me: %d %s", resp.StatusCode, body)
	}
	if resp, body = (client{t, r, ""}).do("GET", "/v1/me", ""); resp.StatusCode != 401 {
		t.Fatalf("anonymous GET /v1/me: %d %s", resp.StatusCode, body)
	}
}
