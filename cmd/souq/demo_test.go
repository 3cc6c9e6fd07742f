package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/internal/auth"
)

// A newcomer's first order on `serve --demo`: any bottle the demo catalog
// shows in stock can be bought. The catalog once kept its stock at
// locations checkout never reserves at, so every demo order was cancelled
// for want of stock while the shop showed plenty.
func TestDemoCatalogOrderIsConfirmed(t *testing.T) {
	dir := t.TempDir()
	addrs, stop := startInProcess(t, []string{"serve", "--demo"}, map[string]string{
		"SOUQ_DATA_DIR": dir, "SOUQ_LOG_FORMAT": "json", "SOUQ_WRITE_ADDR": "127.0.0.1:0", "SOUQ_READ_ADDR": "127.0.0.1:0",
	})
	defer func() {
		if code := stop(); code != exitOK {
			t.Errorf("exit %d", code)
		}
	}()
	w, r := "http://"+addrs["write"], "http://"+addrs["read"]
	anon := client{t, w, ""}
	resp, body := anon.do("POST", "/v1/auth/register", `{"email":"newcomer@example.ae","password":"saffron and oud 2026","name":"Newcomer"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	user := regexp.MustCompile(`"user_id":"([^"]+)"`).FindStringSubmatch(body)[1]
	secret, err := auth.LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewHMAC(secret, auth.Options{Issuer: "souq", Audience: "souq-api"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := signer.Sign(auth.Actor{UserID: user, Role: auth.Customer}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cw, cr := client{t, w, tok}, client{t, r, tok}
	if resp, body := cw.do("POST", "/v1/me/addresses", `{"address_id":"home","recipient":"Newcomer","phone":"+971501234567","line1":"Villa 12","city":"Dubai","country":"AE"}`); resp.StatusCode != 201 {
		t.Fatalf("add address: %d %s", resp.StatusCode, body)
	}

	// The first few bottles the shop shows in stock, as a shopper finds them.
	var page struct {
		Hits []struct {
			ID string `json:"id"`
		} `json:"hits"`
	}
	for i := 0; len(page.Hits) == 0; i++ {
		if i == 600 {
			t.Fatal("the demo catalog never showed a bottle in stock")
		}
		time.Sleep(50 * time.Millisecond)
		_, body = cr.do("GET", "/v1/products/search?in_stock=true&limit=3", "")
		_ = json.Unmarshal([]byte(body), &page)
	}
	for n, hit := range page.Hits {
		var product struct {
			Variants []struct {
				SKU       string `json:"sku"`
				Available int64  `json:"available"`
			} `json:"variants"`
		}
		_, body := cr.do("GET", "/v1/products/"+hit.ID, "")
		if err := json.Unmarshal([]byte(body), &product); err != nil {
			t.Fatalf("product %s: %v\n%s", hit.ID, err, body)
		}
		for _, v := range product.Variants {
			if v.Available <= 0 {
				continue
			}
			id := fmt.Sprintf("demo-%d", n)
			resp, body := cw.do("POST", "/v1/orders", fmt.Sprintf(`{"order_id":%q,"country":"AE","payment_method":"cod","lines":[{"sku":%q,"quantity":1}]}`, id, v.SKU))
			if resp.StatusCode != 201 {
				t.Fatalf("checkout of %s: %d %s", v.SKU, resp.StatusCode, body)
			}
			for i := 0; ; i++ {
				_, order := cr.do("GET", "/v1/orders/"+id, "")
				if strings.Contains(order, `"status":"confirmed"`) {
					break
				}
				if strings.Contains(order, `"status":"cancelled"`) || i == 600 {
					t.Fatalf("order of %s (shown with %d available) was not confirmed:\n%s", v.SKU, v.Available, order)
				}
				time.Sleep(50 * time.Millisecond)
			}
			break
		}
	}
}
