package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/souq-market/souq/internal/auth"
)

// TestProductPageAndLiveEndToEnd: `souq serve` embedded (cache and fan-out
// in process). The product page shows the price and the stock, both read
// back at once after a write with X-Souq-Min-Position; a customer's open
// live stream receives its order's cancellation; a shutdown with that
// stream open ends it and exits cleanly instead of waiting it out.
func TestProductPageAndLiveEndToEnd(t *testing.T) {
	dir := t.TempDir()
	seedListing(t, dir, "v-1", "oud-50")
	seedCustomers(t, dir, "c-1")
	addrs, stop := startInProcess(t, []string{"serve"}, map[string]string{
		"SOUQ_DATA_DIR": dir, "SOUQ_LOG_FORMAT": "json", "SOUQ_WRITE_ADDR": "127.0.0.1:0", "SOUQ_READ_ADDR": "127.0.0.1:0",
		"SOUQ_SHUTDOWN_TIMEOUT": "20s",
	})
	stopped := false
	defer func() {
		if !stopped {
			stop()
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
	token := func(role auth.Role, user string) string {
		tok, err := signer.Sign(auth.Actor{UserID: user, Role: role, VendorID: user}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	w, r := "http://"+addrs["write"], "http://"+addrs["read"]
	vendorW, customerW := client{t, w, token(auth.Vendor, "v-1")}, client{t, w, token(auth.Customer, "c-1")}
	anon := client{t, r, ""}
	page := func(pos string) (price, available float64) {
		t.Helper()
		resp, body := anon.do("GET", "/v1/products/p-1", "", "X-Souq-Min-Position", pos)
		if resp.StatusCode != 200 || resp.Header.Get("X-Souq-Behind") != "" {
			t.Fatalf("product page at %s: %d %v %s", pos, resp.StatusCode, resp.Header, body)
		}
		var d struct {
			Available float64 `json:"available"`
			Variants  []struct {
				Prices map[string]struct{ Amount float64 } `json:"prices"`
			} `json:"variants"`
		}
		if err := json.Unmarshal([]byte(body), &d); err != nil || len(d.Variants) != 1 {
			t.Fatalf("product page: %v %s", err, body)
		}
		return d.Variants[0].Prices["AED"].Amount, d.Available
	}

	// At "main", where checkout reserves (commands/process.DefaultLocation): the
	// order is confirmed, not cancelled by the checkout manager for want of
	// stock, so the cancellation below is the customer's and the stream sees it.
	resp, body := vendorW.do("POST", "/v1/inventory/oud-50/receipts", `{"location":"main","quantity":10}`)
	if resp.StatusCode != 200 {
		t.Fatalf("receive stock: %d %s", resp.StatusCode, body)
	}
	if price, n := page(resp.Header.Get("X-Souq-Position")); price != 25000 || n != 10 {
		t.Fatalf("after the receipt: price %v, available %v", price, n)
	}
	page("") // cached now
	resp, body = vendorW.do("POST", "/v1/products/p-1/price", `{"sku":"oud-50","prices":[{"amount":19900,"currency":"AED"}]}`)
	if resp.StatusCode != 200 {
		t.Fatalf("reprice: %d %s", resp.StatusCode, body)
	}
	if price, _ := page(resp.Header.Get("X-Souq-Position")); price != 19900 {
		t.Fatalf("the page shows %v after the reprice", price)
	}

	resp, body = customerW.do("POST", "/v1/orders", `{"order_id":"o-1","country":"AE","payment_method":"cod","lines":[{"sku":"oud-50","quantity":2}]}`)
	if resp.StatusCode != 201 {
		t.Fatalf("checkout: %d %s", resp.StatusCode, body)
	}
	// The live stream, opened once the order is readable.
	req, _ := http.NewRequest("GET", r+"/v1/live?order=o-1", nil)
	req.Header.Set("Authorization", "Bearer "+token(auth.Customer, "c-1"))
	req.Header.Set("X-Souq-Min-Position", resp.Header.Get("X-Souq-Position"))
	stream, err := http.DefaultClient.Do(req)
	if err != nil || stream.StatusCode != 200 {
		t.Fatalf("live: %v %v", err, stream)
	}
	defer stream.Body.Close()
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stream.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	if r, b := customerW.do("POST", "/v1/orders/o-1/cancel", `{"reason":"changed my mind"}`); r.StatusCode != 200 {
		t.Fatalf("cancel: %d %s", r.StatusCode, b)
	}
	for deadline := time.After(60 * time.Second); ; { // a bound, not a speed check
		select {
		case l := <-lines:
			if l != "event: order.cancelled" {
				continue
			}
		case <-deadline:
			t.Fatal("the stream never told of the cancellation")
		}
		break
	}
	start := time.Now()
	stopped = true
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d with a live stream open", code)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("shutdown waited %v for the stream", d)
	}
	for range lines { // the stream ended
	}
}
