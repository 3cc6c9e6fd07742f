package writeapi

import (
	"testing"
	"time"

	"github.com/souq-market/souq/commands/commandstest"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/review"
	"github.com/souq-market/souq/internal/auth"
)

// catalogHostileRoutes are the rows of the hostile table for the routes of
// catalogroutes.go: a valid body and a caller allowed to send it.
func catalogHostileRoutes() []routeCase {
	return []routeCase{
		{"/v1/products", `{"product_id":"p-9","details":{"name":{"en":"Oud","ar":"عود"},"brand":"B","category":"oud","gender":"unisex","origin":"original","scent":{}},"variants":[{"sku":"oud-9","size_ml":50,"prices":[{"amount":100,"currency":"AED"}]}]}`, auth.Vendor, "v-1"},
		{"/v1/products/p-1/updates", `{"details":{"name":{"en":"Oud","ar":"عود"},"brand":"B","category":"oud","gender":"unisex","origin":"original","scent":{}}}`, auth.Vendor, "v-1"},
		{"/v1/products/p-1/price", `{"sku":"oud-50","prices":[{"amount":100,"currency":"AED"}]}`, auth.Vendor, "v-1"},
		{"/v1/products/p-1/delist", `{"code":"discontinued","reason":"no"}`, auth.Vendor, "v-1"},
		{"/v1/vendors", `{"name":"Dar","country":"AE","email":"a@b.ae"}`, auth.Vendor, "v-1"},
		{"/v1/vendors/v-1/kyc-documents", `{"documents":[{"kind":"trade_licence","blob_key":"k"}]}`, auth.Vendor, "v-1"},
		{"/v1/vendors/v-1/approve", `{"commission_rate":1500}`, auth.Admin, "a-1"},
		{"/v1/vendors/v-1/reject", `{"reason":"no"}`, auth.Admin, "a-1"},
		{"/v1/vendors/v-1/suspend", `{"reason":"no"}`, auth.Admin, "a-1"},
		{"/v1/vendors/v-1/commission", `{"commission_rate":1500}`, auth.Admin, "a-1"},
		{"/v1/vendors/v-1/payout-account", `{"holder_name":"Dar","bank_name":"ENBD","iban":"AE070331234567890123456"}`, auth.Vendor, "v-1"},
		{"/v1/orders/o-1/returns", `{"return_id":"r-9","sub_order_id":"SUB","items":[{"sku":"oud-50","quantity":1}],"reason":"damaged"}`, auth.Customer, "c-1"},
		{"/v1/returns/r-1/approve", `{"refund_to":"card"}`, auth.Vendor, "v-1"},
		{"/v1/returns/r-1/reject", `{"reason":"no"}`, auth.Vendor, "v-1"},
		{"/v1/returns/r-1/receive", `{"restock":true}`, auth.Vendor, "v-1"},
		{"/v1/products/p-1/reviews", `{"order_id":"o-1","rating":5}`, auth.Customer, "c-1"},
		{"/v1/reviews/p-1:c-1/moderate", `{"decision":"approve"}`, auth.Admin, "a-1"},
		{"/v1/affiliates", `{"affiliate_id":"af-9","influencer_id":"i-1","name":"N","currency":"AED","commission_rate":500}`, auth.Admin, "a-1"},
		{"/v1/affiliates/af-1/links", `{"link_id":"l-9","code":"ABC"}`, auth.Admin, "a-1"},
		{"/v1/affiliates/af-1/clicks", `{"link_id":"l-1"}`, auth.Customer, "c-1"},
	}
}

// TestCatalogRoutesHappyPath drives every catalog route once, as the role
// that may, and checks the answer against the store (e.ok).
func TestCatalogRoutesHappyPath(t *testing.T) {
	e := newEnv(t)
	v3 := auth.Actor{UserID: "v-3", Role: auth.Vendor}
	v1 := auth.Actor{UserID: "v-1", Role: auth.Vendor}
	c1 := auth.Actor{UserID: "c-1", Role: auth.Customer}
	admin := auth.Actor{UserID: "a-1", Role: auth.Admin}
	tv3, tv1, tc1, tadmin := e.token(auth.Vendor, "v-3"), e.token(auth.Vendor, "v-1"), e.token(auth.Customer, "c-1"), e.token(auth.Admin, "a-1")

	// A vendor onboards itself; staff approve; it lists, edits, reprices; staff delist.
	e.ok(e.post("/v1/vendors", tv3, `{"name":"Dar Al Musk","country":"AE","email":"ops@daralmusk.ae"}`), 201, "vendor-v-3", "vendor.registered", v3)
	e.ok(e.post("/v1/vendors/v-3/kyc-documents", tv3, `{"documents":[{"kind":"trade_licence","blob_key":"kyc/v-3/licence.pdf"}]}`), 200, "vendor-v-3", "vendor.kyc_submitted", v3)
	product := `{"product_id":"p-3","details":{"name":{"en":"White Musk","ar":"مسك أبيض"},"brand":"Dar","category":"musk","gender":"unisex","origin":"original","scent":{"base":["musk"]}},"variants":[{"sku":"musk-3","size_ml":30,"prices":[{"amount":9900,"currency":"AED"},{"amount":10100,"currency":"SAR"}]}]}`
	if rec := e.post("/v1/products", tv3, product); rec.Code != 409 || problem(t, rec)["code"] != "product.vendor_cannot_sell" {
		t.Fatalf("a vendor pending approval listed: %d %s", rec.Code, rec.Body)
	}
	e.ok(e.post("/v1/vendors/v-3/approve", tadmin, `{"commission_rate":1500}`), 200, "vendor-v-3", "vendor.approved", admin)
	e.ok(e.post("/v1/vendors/v-3/commission", tadmin, `{"commission_rate":1200}`), 200, "vendor-v-3", "vendor.commission_changed", admin)
	e.ok(e.post("/v1/vendors/v-3/payout-account", tv3, `{"holder_name":"Dar Al Musk LLC","bank_name":"ENBD","iban":"AE070331234567890123456"}`), 200, "vendor-v-3", "vendor.payout_account_set", v3)
	e.ok(e.post("/v1/products", tv3, product), 201, "product-p-3", "product.listed", v3)
	e.ok(e.post("/v1/products/p-3/updates", tv3, `{"details":{"name":{"en":"White Musk Tahara","ar":"مسك الطهارة"},"brand":"Dar","category":"musk","gender":"unisex","origin":"original","scent":{}}}`), 200, "product-p-3", "product.updated", v3)
	e.ok(e.post("/v1/products/p-3/price", tv3, `{"sku":"musk-3","prices":[{"amount":8900,"currency":"AED"}]}`), 200, "product-p-3", "product.repriced", v3)
	e.ok(e.post("/v1/products/p-3/delist", tadmin, `{"code":"counterfeit","reason":"brand complaint upheld"}`), 200, "product-p-3", "product.delisted", admin)
	e.ok(e.post("/v1/vendors/v-3/suspend", tadmin, `{"reason":"counterfeits"}`), 200, "vendor-v-3", "vendor.suspended", admin)
	e.ok(e.post("/v1/vendors", tadmin, `{"vendor_id":"v-4","name":"Oud Co","country":"SA","email":"a@oud.sa"}`), 201, "vendor-v-4", "vendor.registered", admin)
	e.ok(e.post("/v1/vendors/v-4/kyc-documents", tadmin, `{"documents":[{"kind":"commercial_registration","blob_key":"kyc/v-4/cr.pdf"}]}`), 200, "vendor-v-4", "vendor.kyc_submitted", admin)
	e.ok(e.post("/v1/vendors/v-4/reject", tadmin, `{"reason":"CR expired"}`), 200, "vendor-v-4", "vendor.rejected", admin)

	// A delivered order of c-1 (v-1's oud): returns and a review.
	aed, _ := domain.New(25000, domain.AED)
	placed := commandstest.Place(t, e.exec, commandstest.Order{ID: "o-d", Customer: "c-1", Affiliate: "af-1", Lines: []order.Line{{SKU: "oud-50", ProductID: "p-1", VendorID: "v-1", Quantity: 2, UnitPrice: aed}}}, time.Now())
	sub := string(placed.SubOrders[0].ID)
	e.ok(e.post("/v1/orders/o-d/returns", tc1, `{"return_id":"r-1","sub_order_id":"`+sub+`","items":[{"sku":"oud-50","quantity":1}],"reason":"damaged","comment":"cap cracked"}`), 201, "return-r-1", "return.requested", c1)
	e.ok(e.post("/v1/orders/o-d/returns", tc1, `{"return_id":"r-2","sub_order_id":"`+sub+`","items":[{"sku":"oud-50","quantity":1}],"reason":"changed_mind"}`), 201, "return-r-2", "return.requested", c1)
	e.ok(e.post("/v1/returns/r-1/approve", tv1, `{"refund_to":"wallet"}`), 200, "return-r-1", "return.approved", v1)
	e.ok(e.post("/v1/returns/r-1/receive", tv1, `{"restock":false,"note":"broken"}`), 200, "return-r-1", "return.received", v1)
	e.ok(e.post("/v1/returns/r-2/reject", tadmin, `{"reason":"opened"}`), 200, "return-r-2", "return.rejected", admin)
	rid := string(review.IDFor("p-1", "c-1"))
	e.ok(e.post("/v1/products/p-1/reviews", tc1, `{"order_id":"o-d","rating":4,"title":"Rich","body":"Lasts all evening."}`), 201, "review-"+rid, "review.written", c1)
	e.ok(e.post("/v1/reviews/"+rid+"/moderate", tadmin, `{"decision":"reject","reason":"mentions a price"}`), 200, "review-"+rid, "review.rejected", admin)

	// Staff open an affiliate account; a click is counted once per Idempotency-Key.
	e.ok(e.post("/v1/affiliates", tadmin, `{"affiliate_id":"af-1","influencer_id":"i-1","name":"Noura","currency":"AED","commission_rate":500,"link":{"link_id":"l-1","code":"noura10"}}`), 201, "affiliate-af-1", "affiliate.link_created", admin)
	e.ok(e.post("/v1/affiliates/af-1/links", tadmin, `{"link_id":"l-2","code":"EID25"}`), 201, "affiliate-af-1", "affiliate.link_created", admin)
	first := e.ok(e.post("/v1/affiliates/af-1/clicks", tc1, `{"link_id":"l-1"}`, "Idempotency-Key", "click-1"), 201, "affiliate-af-1", "affiliate.click_recorded", c1)
	again := e.post("/v1/affiliates/af-1/clicks", tc1, `{"link_id":"l-1"}`, "Idempotency-Key", "click-1")
	if a := answer(t, again); again.Code != 201 || !a.Replayed || a.Position != first.Position || again.Header().Get("Idempotency-Replayed") != "true" {
		t.Fatalf("retried click: %d %+v", again.Code, a)
	}
}

// TestCatalogNotYours: each role acting on another's aggregate, or on what
// only staff may do, is refused and writes nothing.
func TestCatalogNotYours(t *testing.T) {
	e := newEnv(t)
	tv1, tv2, tc1, tc2, tadmin := e.token(auth.Vendor, "v-1"), e.token(auth.Vendor, "v-2"), e.token(auth.Customer, "c-1"), e.token(auth.Customer, "c-2"), e.token(auth.Admin, "a-1")
	aed, _ := domain.New(25000, domain.AED)
	placed := commandstest.Place(t, e.exec, commandstest.Order{ID: "o-d", Customer: "c-1", Lines: []order.Line{{SKU: "oud-50", ProductID: "p-1", VendorID: "v-1", Quantity: 1, UnitPrice: aed}}}, time.Now())
	sub := string(placed.SubOrders[0].ID)
	if rec := e.post("/v1/orders/o-d/returns", tc1, `{"return_id":"r-1","sub_order_id":"`+sub+`","items":[{"sku":"oud-50","quantity":1}],"reason":"damaged"}`); rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if rec := e.post("/v1/vendors", tv1, `{"name":"Dar","country":"AE","email":"a@b.ae"}`); rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	tests := []struct {
		name, path, token, body string
		status                  int
		code                    string
	}{
		{"vendor updates another's product", "/v1/products/p-1/updates", tv2, `{"details":{"name":{"en":"Mine","ar":"لي"},"brand":"B","category":"oud","gender":"unisex","origin":"original","scent":{}}}`, 403, CodeNotOwner},
		{"vendor reprices another's product", "/v1/products/p-1/price", tv2, `{"sku":"oud-50","prices":[{"amount":1,"currency":"AED"}]}`, 403, CodeNotOwner},
		{"vendor delists another's product", "/v1/products/p-1/delist", tv2, `{"code":"other","reason":"spite"}`, 403, CodeNotOwner},
		{"vendor lists for another vendor", "/v1/products", tv2, `{"product_id":"p-7","vendor_id":"v-1","details":{"name":{"en":"O","ar":"ع"},"brand":"B","category":"oud","gender":"unisex","origin":"original","scent":{}},"variants":[{"sku":"x-7","size_ml":5,"prices":[{"amount":1,"currency":"AED"}]}]}`, 403, CodeNotOwner},
		{"vendor on a missing product", "/v1/products/p-404/price", tv1, `{"sku":"oud-50","prices":[{"amount":1,"currency":"AED"}]}`, 404, "product.not_listed"},
		{"vendor registers another vendor", "/v1/vendors", tv2, `{"vendor_id":"v-1","name":"Dar","country":"AE","email":"a@b.ae"}`, 403, CodeNotOwner},
		{"vendor files another's KYC", "/v1/vendors/v-1/kyc-documents", tv2, `{"documents":[{"kind":"passport","blob_key":"k"}]}`, 403, CodeNotOwner},
		{"vendor sets another's payout account", "/v1/vendors/v-1/payout-account", tv2, `{"holder_name":"Thief","bank_name":"B","iban":"AE070331234567890123456"}`, 403, CodeNotOwner},
		{"vendor approves itself", "/v1/vendors/v-1/approve", tv1, `{"commission_rate":0}`, 403, auth.CodeForbidden},
		{"vendor sets its commission", "/v1/vendors/v-1/commission", tv1, `{"commission_rate":0}`, 403, auth.CodeForbidden},
		{"customer approves a vendor", "/v1/vendors/v-1/approve", tc1, `{"commission_rate":0}`, 403, auth.CodeForbidden},
		{"customer returns another's order", "/v1/orders/o-d/returns", tc2, `{"return_id":"r-2","sub_order_id":"` + sub + `","items":[{"sku":"oud-50","quantity":1}],"reason":"damaged"}`, 403, CodeNotOwner},
		{"return on a missing order", "/v1/orders/o-404/returns", tc1, `{"return_id":"r-2","sub_order_id":"` + sub + `","items":[{"sku":"oud-50","quantity":1}],"reason":"damaged"}`, 404, "order.not_found"},
		{"another vendor approves a return", "/v1/returns/r-1/approve", tv2, `{"refund_to":"card"}`, 403, CodeNotOwner},
		{"another vendor receives a return", "/v1/returns/r-1/receive", tv2, `{"restock":true}`, 403, CodeNotOwner},
		{"customer approves their own return", "/v1/returns/r-1/approve", tc1, `{"refund_to":"card"}`, 403, auth.CodeForbidden},
		{"vendor on a missing return", "/v1/returns/r-404/reject", tv1, `{"reason":"x"}`, 404, "return.not_requested"},
		{"customer reviews without buying", "/v1/products/p-1/reviews", tc2, `{"order_id":"o-d","rating":1}`, 403, "review.not_your_order"},
		{"vendor reviews", "/v1/products/p-1/reviews", tv1, `{"order_id":"o-d","rating":5}`, 403, auth.CodeForbidden},
		{"customer moderates", "/v1/reviews/p-1:c-1/moderate", tc1, `{"decision":"approve"}`, 403, auth.CodeForbidden},
		{"vendor opens an affiliate account", "/v1/affiliates", tv1, `{"affiliate_id":"af-2","influencer_id":"i-1","name":"N","currency":"AED","commission_rate":5000}`, 403, auth.CodeForbidden},
		{"customer creates a link", "/v1/affiliates/af-1/links", tc1, `{"link_id":"l-9","code":"FREE"}`, 403, auth.CodeForbidden},
		{"click on a missing affiliate", "/v1/affiliates/af-404/clicks", tc1, `{"link_id":"l-1"}`, 404, "affiliate.not_registered"},
		{"staff list without a vendor", "/v1/products", tadmin, `{"product_id":"p-7","details":{"name":{"en":"O","ar":"ع"},"brand":"B","category":"oud","gender":"unisex","origin":"original","scent":{}},"variants":[{"sku":"x-7","size_ml":5,"prices":[{"amount":1,"currency":"AED"}]}]}`, 422, "command.invalid"},
		{"two prices in one currency", "/v1/products/p-1/price", tv1, `{"sku":"oud-50","prices":[{"amount":1,"currency":"AED"},{"amount":2,"currency":"AED"}]}`, 422, "command.invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.head()
			rec := e.post(tt.path, tt.token, tt.body)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if p := problem(t, rec); p["code"] != tt.code {
				t.Fatalf("code %v, want %s", p["code"], tt.code)
			}
			if e.head() != before {
				t.Fatal("a refused request wrote")
			}
		})
	}
}
