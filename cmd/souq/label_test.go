package main

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/sandbox"
)

// TestVendorDownloadsItsLabel is issue 7's label end to end on `souq serve`:
// a customer's order, confirmed; its vendor ships it with POST /v1/shipments
// without tracking number or label, so the sandbox carrier books one; the
// vendor finds the label's key on the tracking page, gets a link for it and
// the link serves a PDF. The customer's tracking page does not show the key,
// and the link route refuses the customer and another vendor.
func TestVendorDownloadsItsLabel(t *testing.T) {
	dir := t.TempDir()
	seedListing(t, dir, "v-1", "oud-50")
	addrs, stop := startInProcess(t, []string{"serve"}, map[string]string{
		"SOUQ_DATA_DIR": dir, "SOUQ_LOG_FORMAT": "json", "SOUQ_WRITE_ADDR": "127.0.0.1:0", "SOUQ_READ_ADDR": "127.0.0.1:0",
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
	sign := func(a auth.Actor) string {
		tok, err := signer.Sign(a, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	w, r := "http://"+addrs["write"], "http://"+addrs["read"]
	resp, body := (client{t, w, ""}).do("POST", "/v1/auth/register", `{"email":"noura@example.ae","password":"amber musk and rose 2026","name":"Noura"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	user := regexp.MustCompile(`"user_id":"([^"]+)"`).FindStringSubmatch(body)[1]
	customer, vendor, other := sign(auth.Actor{UserID: user, Role: auth.Customer}),
		sign(auth.Actor{UserID: "v-1", Role: auth.Vendor, VendorID: "v-1"}), sign(auth.Actor{UserID: "v-2", Role: auth.Vendor, VendorID: "v-2"})
	cw, cr, vw, vr := client{t, w, customer}, client{t, r, customer}, client{t, w, vendor}, client{t, r, vendor}

	if resp, body := vw.do("POST", "/v1/inventory/oud-50/receipts", `{"location":"main","quantity":10}`); resp.StatusCode != 200 {
		t.Fatalf("receive stock: %d %s", resp.StatusCode, body)
	}
	if resp, body := cw.do("POST", "/v1/me/addresses", `{"address_id":"home","recipient":"Noura","phone":"+971501234567","line1":"Villa 3","city":"Dubai","country":"AE"}`); resp.StatusCode != 201 {
		t.Fatalf("add address: %d %s", resp.StatusCode, body)
	}
	if resp, body := cw.do("POST", "/v1/orders", `{"order_id":"o-l1","country":"AE","payment_method":"cod","lines":[{"sku":"oud-50","quantity":1}]}`); resp.StatusCode != 201 {
		t.Fatalf("checkout: %d %s", resp.StatusCode, body)
	}
	var order string
	for i := 0; !strings.Contains(order, `"status":"confirmed"`); i++ {
		if i == 1200 {
			t.Fatalf("the order was not confirmed within 60 s: %s", order)
		}
		time.Sleep(50 * time.Millisecond)
		_, order = cr.do("GET", "/v1/orders/o-l1", "")
	}
	sub := regexp.MustCompile(`"sub_order_id":"([^"]+)"`).FindStringSubmatch(order)[1]

	resp, body = vw.do("POST", "/v1/shipments", `{"shipment_id":"sh-l1","order_id":"o-l1","sub_order_id":"`+sub+`","carrier":"aramex","weight_grams":400,
		"ship_from":{"name":"Vendor One","phone":"+971501112222","line1":"Warehouse 4","city":"Dubai","country":"AE"}}`)
	if resp.StatusCode != 201 {
		t.Fatalf("ship: %d %s", resp.StatusCode, body)
	}
	pos := resp.Header.Get("X-Souq-Position")
	// The vendor finds what the carrier booked by its own shipment ID.
	resp, body = vr.do("GET", "/v1/shipments/by-id/sh-l1", "", "X-Souq-Min-Position", pos)
	var tr struct {
		TrackingNumber string `json:"tracking_number"`
		LabelKey       string `json:"label_key"`
	}
	if resp.StatusCode != 200 || resp.Header.Get("X-Souq-Behind") != "" || json.Unmarshal([]byte(body), &tr) != nil ||
		tr.TrackingNumber != sandbox.TrackingNumber("sh-l1") || !strings.HasPrefix(tr.LabelKey, "labels/v-1/") {
		t.Fatalf("the vendor's shipment page: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	page := "/v1/shipments/" + tr.TrackingNumber
	if resp, body := cr.do("GET", page, ""); resp.StatusCode != 200 || strings.Contains(body, "label_key") || strings.Contains(body, "labels/") {
		t.Fatalf("the customer's tracking page: %d %s; want it without the label", resp.StatusCode, body)
	}
	links := "/v1/blob-links?key=" + url.QueryEscape(tr.LabelKey)
	for name, c := range map[string]client{"the customer": cr, "another vendor": {t, r, other}} {
		if resp, body := c.do("GET", links, ""); resp.StatusCode != 403 {
			t.Errorf("%s asked for a link to the label: %d %s", name, resp.StatusCode, body)
		}
	}
	resp, body = vr.do("GET", links, "")
	var link struct {
		URL string `json:"url"`
	}
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &link) != nil || link.URL == "" {
		t.Fatalf("the vendor's link: %d %s", resp.StatusCode, body)
	}
	if resp, pdf := (client{t, r, ""}).do("GET", link.URL, ""); resp.StatusCode != 200 || !strings.HasPrefix(pdf, "%PDF") {
		t.Fatalf("the link served %d %q", resp.StatusCode, pdf[:min(len(pdf), 40)])
	}
}
