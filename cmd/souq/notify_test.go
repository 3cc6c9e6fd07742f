package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/internal/auth"
)

// TestConfirmedOrderTextsTheCustomer is the wiring end to end: `souq serve`
// with SOUQ_SMS_URL on a Twilio-style stub; a customer registers with a
// phone and Arabic, checks out cash on delivery, and the stub receives one
// Arabic text about the order, once, with the configured credentials.
func TestConfirmedOrderTextsTheCustomer(t *testing.T) {
	var mu sync.Mutex
	var texts []string
	sms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		_ = r.ParseForm()
		if user != "AC0123456789" || pass != "secret-token-123" || r.PostForm.Get("From") != "+97140000000" {
			http.Error(w, "bad credentials or sender", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		texts = append(texts, r.PostForm.Get("To")+" "+r.PostForm.Get("Body"))
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"sid":"SM1","status":"queued"}`))
	}))
	defer sms.Close()

	dir := t.TempDir()
	seedListing(t, dir, "v-1", "oud-50")
	addrs, stop := startInProcess(t, []string{"serve"}, map[string]string{
		"SOUQ_DATA_DIR": dir, "SOUQ_LOG_FORMAT": "json", "SOUQ_WRITE_ADDR": "127.0.0.1:0", "SOUQ_READ_ADDR": "127.0.0.1:0",
		"SOUQ_SMS_URL": sms.URL + "/2010-04-01/Accounts/AC0123456789/Messages.json?From=%2B97140000000",
		"SOUQ_SMS_KEY": "AC0123456789:secret-token-123",
	})
	defer func() {
		if code := stop(); code != exitOK {
			t.Errorf("exit %d", code)
		}
	}()
	secret, err := auth.LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewHMAC(secret, auth.Options{Issuer: "souq", Audience: "souq-api"})
	if err != nil {
		t.Fatal(err)
	}
	w := "http://" + addrs["write"]
	anon := client{t, w, ""}
	resp, body := anon.do("POST", "/v1/auth/register", `{"email":"mariam@example.ae","password":"correct horse battery staple","name":"مريم","phone":"+971501234567","locale":"ar"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	var acct struct {
		UserID string `json:"user_id"`
	}
	if err := json.Unmarshal([]byte(body), &acct); err != nil || acct.UserID == "" {
		t.Fatalf("register answer %s: %v", body, err)
	}
	tok, err := signer.Sign(auth.Actor{UserID: acct.UserID, Role: auth.Customer}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	vendor, err := signer.Sign(auth.Actor{UserID: "v-1", Role: auth.Vendor, VendorID: "v-1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := (client{t, w, vendor}).do("POST", "/v1/inventory/oud-50/receipts", `{"location":"main","quantity":10}`); resp.StatusCode != 200 {
		t.Fatalf("receive stock: %d %s", resp.StatusCode, body)
	}
	if resp, body := (client{t, w, tok}).do("POST", "/v1/me/addresses", `{"address_id":"home","recipient":"مريم","phone":"+971501234567","line1":"Villa 7","city":"Dubai","country":"AE"}`); resp.StatusCode != 201 {
		t.Fatalf("add address: %d %s", resp.StatusCode, body)
	}
	if resp, body := (client{t, w, tok}).do("POST", "/v1/orders", `{"order_id":"o-n1","country":"AE","payment_method":"cod","lines":[{"sku":"oud-50","quantity":1}]}`); resp.StatusCode != 201 {
		t.Fatalf("checkout: %d %s", resp.StatusCode, body)
	}

	// A bound, not a speed check: the machine is shared.
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		got := append([]string(nil), texts...)
		mu.Unlock()
		if len(got) > 0 {
			time.Sleep(300 * time.Millisecond) // a duplicate would come now
			mu.Lock()
			got = append([]string(nil), texts...)
			mu.Unlock()
			if len(got) != 1 || !strings.HasPrefix(got[0], "+971501234567 مرحباً مريم، تم تأكيد طلبك o-n1") {
				t.Fatalf("texts: %q, want one Arabic confirmation of o-n1", got)
			}
			return
		}
		if time.Now().After(deadline) {
			_, order := (client{t, "http://" + addrs["read"], tok}).do("GET", "/v1/orders/o-n1", "")
			t.Fatalf("no text within 60 s of the checkout; the order: %s", order)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
