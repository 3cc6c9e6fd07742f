package writeapi

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/souq-market/souq/internal/auth"
)

// routeCase is one command route with a valid body and a caller allowed to
// send it (once the fixtures below exist).
type routeCase struct {
	path, body string
	role       auth.Role
	user       string
}

func hostileRoutes() []routeCase {
	return append([]routeCase{
		{"/v1/inventory/oud-50/receipts", `{"location":"dxb","quantity":1}`, auth.Vendor, "v-1"},
		{"/v1/inventory/oud-50/adjustments", `{"location":"dxb","delta":1,"reason":"found"}`, auth.Vendor, "v-1"},
		{"/v1/inventory/oud-50/reservations", `{"location":"dxb","reservation_id":"r-9","order_id":"o-9","quantity":1,"expires_at":"2999-01-01T00:00:00Z"}`, auth.Vendor, "v-1"},
		{"/v1/inventory/oud-50/reservations/r-1/commit", `{"location":"dxb"}`, auth.Vendor, "v-1"},
		{"/v1/inventory/oud-50/reservations/r-1/release", `{"location":"dxb"}`, auth.Vendor, "v-1"},
		{"/v1/orders", `{"order_id":"o-5","country":"AE","payment_method":"card","lines":[{"sku":"oud-50","quantity":1}]}`, auth.Customer, "c-1"},
		{"/v1/orders/quote", `{"order_id":"o-5","country":"AE","payment_method":"card","lines":[{"sku":"oud-50","quantity":1}]}`, auth.Customer, "c-1"},
		{"/v1/orders/o-1/cancel", `{"reason":"no"}`, auth.Customer, "c-1"},
		{"/v1/orders/o-1/suborders/SUB/cancel", `{"reason":"no"}`, auth.Vendor, "v-1"},
		{"/v1/orders/o-1/suborders/SUB/fulfil", `{}`, auth.Vendor, "v-1"},
		{"/v1/wallets", `{"wallet_id":"w-2","currency":"AED"}`, auth.Customer, "c-1"},
		{"/v1/wallets/w-1/credits", `{"reference":"x","amount":{"amount":1,"currency":"AED"}}`, auth.Admin, "a-1"},
		{"/v1/wallets/w-1/holds", `{"hold_id":"h-9","order_id":"o-1","amount":{"amount":1,"currency":"AED"}}`, auth.Customer, "c-1"},
		{"/v1/shipments", `{"shipment_id":"s-9","order_id":"o-1","sub_order_id":"SUB","carrier":"dhl","tracking_number":"D1","label_key":"l"}`, auth.Vendor, "v-1"},
		{"/v1/shipments", `{"shipment_id":"s-8","order_id":"o-1","sub_order_id":"SUB","carrier":"dhl",` + parcelJSON + `}`, auth.Vendor, "v-1"}, // parcel_test.go
	}, append(catalogHostileRoutes(), paymentHostileRoutes()...)...) // catalogroutes_test.go, payments_test.go
}

// fixtures: stock, an order of c-1 with a sub-order per vendor, a wallet.
func (e *env) fixtures() string {
	e.t.Helper()
	for _, r := range []struct{ path, tok, body string }{
		{"/v1/inventory/oud-50/receipts", e.token(auth.Vendor, "v-1"), `{"location":"dxb","quantity":10}`},
		{"/v1/inventory/oud-50/reservations", e.token(auth.Vendor, "v-1"), `{"location":"dxb","reservation_id":"r-1","order_id":"o-1","quantity":1,"expires_at":"2999-01-01T00:00:00Z"}`},
		{"/v1/orders", e.token(auth.Customer, "c-1"), `{"order_id":"o-1","country":"AE","payment_method":"cod","lines":[{"sku":"oud-50","quantity":1},{"sku":"musk-30","quantity":1}]}`},
		{"/v1/wallets", e.token(auth.Customer, "c-1"), `{"wallet_id":"w-1","currency":"AED"}`},
	} {
		if rec := e.post(r.path, r.tok, r.body); rec.Code >= 300 {
			e.t.Fatalf("fixture %s: %d %s", r.path, rec.Code, rec.Body)
		}
	}
	return e.subOrders("o-1")["v-1"]
}

func (e *env) forge(method jwt.SigningMethod, key any, mutate func(*auth.Claims)) string {
	e.t.Helper()
	now := time.Now()
	c := auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: "souq", Audience: jwt.ClaimStrings{"souq-api"}, Subject: "v-1",
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}, Role: auth.Vendor}
	if mutate != nil {
		mutate(&c)
	}
	s, err := jwt.NewWithClaims(method, c).SignedString(key)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// TestHostileInputWritesNothing sends every route every kind of bad
// request: each gets its 4xx, and the store's head does not move.
func TestHostileInputWritesNothing(t *testing.T) {
	e := newEnv(t)
	sub := e.fixtures()
	huge := `{"reason":"` + strings.Repeat("a", MaxBody) + `"}`
	none := e.forge(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil)
	expired := e.forge(jwt.SigningMethodHS256, testSecret, func(c *auth.Claims) { c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour)) })
	wrongIss := e.forge(jwt.SigningMethodHS256, testSecret, func(c *auth.Claims) { c.Issuer = "evil" })
	wrongAud := e.forge(jwt.SigningMethodHS256, testSecret, func(c *auth.Claims) { c.Audience = jwt.ClaimStrings{"other"} })
	wrongSig := e.forge(jwt.SigningMethodHS256, []byte("another secret, 32 bytes long..."), nil)
	badRole := e.forge(jwt.SigningMethodHS256, testSecret, func(c *auth.Claims) { c.Role = "root" })

	for _, rc := range hostileRoutes() {
		path := strings.ReplaceAll(rc.path, "SUB", sub)
		tok := e.token(rc.role, rc.user)
		withExtra := strings.Replace(rc.body, "{", `{"zzz":1,`, 1)
		if rc.body == `{}` {
			withExtra = `{"zzz":1}`
		}
		cases := []struct {
			name, token, body string
			headers           []string
			status            int
			code              string
		}{
			{"malformed", tok, `{"location":`, nil, 400, CodeMalformed},
			{"not an object", tok, `[1,2]`, nil, 422, CodeWrongType},
			{"string for number", tok, `{"quantity":"7","delta":"1","lines":"x","amount":"1","currency":7,"reason":5}`, nil, 422, ""},
			{"extra field", tok, withExtra, nil, 422, CodeUnknownField},
			{"trailing data", tok, rc.body + `{}`, nil, 400, CodeTrailingData},
			{"empty body", tok, ``, nil, 400, CodeEmptyBody},
			{"invalid utf8", tok, `{"reason":"` + "\xff\xfe" + `"}`, nil, 400, CodeInvalidUTF8},
			{"huge", tok, huge, nil, 413, CodeTooLarge},
			{"text/plain", tok, rc.body, []string{"Content-Type", "text/plain"}, 415, CodeUnsupportedMedia},
			{"no content type", tok, rc.body, []string{"Content-Type", ""}, 415, CodeUnsupportedMedia},
			{"latin1", tok, rc.body, []string{"Content-Type", "application/json; charset=latin1"}, 415, CodeUnsupportedMedia},
			{"no token", "", rc.body, nil, 401, auth.CodeTokenMissing},
			{"alg none", none, rc.body, nil, 401, auth.CodeTokenInvalid},
			{"expired", expired, rc.body, nil, 401, auth.CodeTokenInvalid},
			{"wrong issuer", wrongIss, rc.body, nil, 401, auth.CodeTokenInvalid},
			{"wrong audience", wrongAud, rc.body, nil, 401, auth.CodeTokenInvalid},
			{"wrong signature", wrongSig, rc.body, nil, 401, auth.CodeTokenInvalid},
			{"unknown role", badRole, rc.body, nil, 401, auth.CodeTokenInvalid},
			{"basic auth", "", rc.body, []string{"Authorization", "Basic dXNlcjpwYXNz"}, 401, auth.CodeTokenInvalid},
			{"auditor", e.token(auth.Auditor, "au-1"), rc.body, nil, 403, auth.CodeForbidden},
			{"influencer", e.token(auth.Influencer, "i-1"), rc.body, nil, 403, auth.CodeForbidden},
		}
		if rc.body != `{}` { // a body with no fields has none to miss
			cases = append(cases, struct {
				name, token, body string
				headers           []string
				status            int
				code              string
			}{"missing fields", tok, `{}`, nil, 422, "command.invalid"})
		}
		for _, tc := range cases {
			t.Run(rc.path+"/"+tc.name, func(t *testing.T) {
				before := e.head()
				rec := e.post(path, tc.token, tc.body, tc.headers...)
				if rec.Code != tc.status {
					t.Fatalf("status %d, want %d: %.300s", rec.Code, tc.status, rec.Body)
				}
				p := problem(t, rec)
				if tc.code != "" && p["code"] != tc.code && !strings.Contains(rec.Body.String(), `"code":"`+tc.code+`"`) {
					t.Fatalf("code %v, want %s: %.300s", p["code"], tc.code, rec.Body)
				}
				if tc.status == 422 && p["problems"] == nil {
					t.Fatalf("422 without problems: %s", rec.Body)
				}
				if after := e.head(); after != before {
					t.Fatalf("a refused request wrote: head %d → %d", before, after)
				}
			})
		}
	}
}

// TestNotYours: each role acting on another's aggregate is 403, nothing written.
func TestNotYours(t *testing.T) {
	e := newEnv(t)
	sub := e.fixtures()
	tv2, tc2 := e.token(auth.Vendor, "v-2"), e.token(auth.Customer, "c-2")
	tests := []struct {
		name, path, token, body string
		status                  int
	}{
		{"vendor receives another vendor's SKU", "/v1/inventory/oud-50/receipts", tv2, `{"location":"dxb","quantity":1}`, 403},
		{"vendor adjusts another vendor's SKU", "/v1/inventory/oud-50/adjustments", tv2, `{"location":"dxb","delta":-1,"reason":"lost"}`, 403},
		{"vendor commits another vendor's hold", "/v1/inventory/oud-50/reservations/r-1/commit", tv2, `{"location":"dxb"}`, 403},
		{"vendor on an unknown SKU", "/v1/inventory/nope-1/receipts", tv2, `{"location":"dxb","quantity":1}`, 404},
		{"customer cancels another's order", "/v1/orders/o-1/cancel", tc2, `{"reason":"spite"}`, 403},
		{"customer on a missing order", "/v1/orders/o-404/cancel", tc2, `{"reason":"x"}`, 404},
		{"vendor fulfils another's sub-order", "/v1/orders/o-1/suborders/" + sub + "/fulfil", tv2, `{}`, 403},
		{"vendor ships another's sub-order", "/v1/shipments", tv2, `{"shipment_id":"s-7","order_id":"o-1","sub_order_id":"` + sub + `","carrier":"dhl","tracking_number":"D1","label_key":"l"}`, 403},
		{"customer holds another's wallet", "/v1/wallets/w-1/holds", tc2, `{"hold_id":"h-1","order_id":"o-1","amount":{"amount":1,"currency":"AED"}}`, 403},
		{"customer opens a wallet for another", "/v1/wallets", tc2, `{"wallet_id":"w-3","customer_id":"c-1","currency":"AED"}`, 403},
		{"customer credits a wallet", "/v1/wallets/w-1/credits", e.token(auth.Customer, "c-1"), `{"reference":"free money","amount":{"amount":100000,"currency":"AED"}}`, 403},
		{"vendor credits a wallet", "/v1/wallets/w-1/credits", tv2, `{"reference":"x","amount":{"amount":1,"currency":"AED"}}`, 403},
		{"vendor checks out", "/v1/orders", tv2, `{"order_id":"o-7","country":"AE","payment_method":"card","lines":[{"sku":"oud-50","quantity":1}]}`, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.head()
			rec := e.post(tt.path, tt.token, tt.body)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			problem(t, rec)
			if e.head() != before {
				t.Fatal("a refused request wrote")
			}
		})
	}
}
