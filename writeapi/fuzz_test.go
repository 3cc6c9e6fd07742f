package writeapi

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
)

// FuzzUnmarshal: whatever the body, the decoder answers with a client error
// (400 or 422), never a panic or an internal error.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{`{"order_id":"o-1","country":"AE","payment_method":"card","lines":[{"sku":"a","quantity":1}],"wallet_amount":{"amount":5,"currency":"AED"}}`,
		`{}`, `[]`, `{"lines":[{"quantity":1e400}]}`, `{"wallet_amount":{"amount":-1,"currency":"XXX"}}`, "{\"order_id\":\"\xff\"}", `{"a":1}{"b":2}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		err := Unmarshal(body, &checkoutReq{})
		if err == nil {
			return
		}
		if he, ok := errors.AsType[*httpx.Error](err); ok && he.Kind.Status() < 500 {
			return
		}
		if de, ok := errors.AsType[*domain.Error](err); ok && de.Kind == domain.Invalid {
			return
		}
		t.Fatalf("%q: not a client error: %T %v", body, err, err)
	})
}

// FuzzRoute: through the whole handler, any body on a route is never a 5xx.
func FuzzRoute(f *testing.F) {
	e := newEnv(f)
	tok := e.token(auth.Vendor, "v-1")
	f.Add(`{"location":"dxb","quantity":1}`)
	f.Add(`{"location":"dxb","quantity":1000000001}`)
	f.Add(`{"location":"a@b","quantity":-1}`)
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/v1/inventory/oud-50/receipts", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%q: %d %s", body, rec.Code, rec.Body)
		}
	})
}
