package readapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections/users"
	"github.com/souq-market/souq/projections/users/userq"
	"github.com/souq-market/souq/projections/viewtest"
)

// TestMe: every caller reads their own account and no one else's, whatever
// they put in the query; a forgotten or unknown account is 404.
func TestMe(t *testing.T) {
	db := viewtest.SQLite(t)
	reg := viewtest.Registry(user.Events())
	h := viewtest.NewHistory(t, reg)
	at := h.At()
	h.Add("user-c-1", user.Registered{UserID: "c-1", Email: "amal@example.ae", Role: user.Customer, Profile: user.Profile{Name: "Amal"}, At: at})
	h.Add("user-c-1", user.AddressAdded{AddressID: "home", Address: user.Address{Recipient: "Amal", Phone: "+971500000001", Line1: "Villa 7",
		City: "Dubai", Country: domain.Country("AE")}, At: at})
	h.Add("user-c-2", user.Registered{UserID: "c-2", Email: "omar@example.sa", Role: user.Customer, Profile: user.Profile{Name: "Omar"}, At: at})
	h.Add("user-v-1", user.Registered{UserID: "v-1", Email: "shop@example.ae", Role: user.Vendor, VendorID: "vendor-1", Profile: user.Profile{Name: "Shop"}, At: at})
	h.Add("user-c-9", user.Registered{UserID: "c-9", Email: "gone@example.ae", Role: user.Customer, Profile: user.Profile{Name: "Gone"}, At: at})
	h.Add("user-c-9", user.Forgotten{By: "a-1", At: at})
	viewtest.Project(t, db, h.Store, users.New(reg))
	callers := map[string]auth.Actor{
		"c1": {UserID: "c-1", Role: auth.Customer}, "v1": {UserID: "v-1", Role: auth.Vendor, VendorID: "vendor-1"},
		"c9": {UserID: "c-9", Role: auth.Customer}, "ext": {UserID: "external-7", Role: auth.Customer},
	}
	api, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(), Users: userq.New(db.R, db.Rebind),
		Verify: auth.VerifierFunc(func(_ context.Context, token string) (auth.Actor, error) {
			c, ok := callers[token]
			if !ok {
				return auth.Actor{}, errors.New("unknown token")
			}
			return c, nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	send := func(method, token, path string) (int, string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(method, path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		api.Handler().ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	for _, c := range []struct {
		name, method, token, path string
		code                      int
		want                      string // in the body
	}{
		{"own account", "GET", "c1", "/v1/me", 200, `"email":"amal@example.ae"`},
		{"a vendor's own", "GET", "v1", "/v1/me", 200, `"vendor_id":"vendor-1"`},
		{"asking for another in the query", "GET", "c1", "/v1/me?user_id=c-2&id=c-2", 200, `"user_id":"c-1"`},
		{"a path below", "GET", "c1", "/v1/me/c-2", 404, ""},
		{"forgotten", "GET", "c9", "/v1/me", 404, CodeNotFound},
		{"an external issuer's account", "GET", "ext", "/v1/me", 404, CodeNotFound},
		{"no token", "GET", "", "/v1/me", 401, auth.CodeTokenMissing},
		{"a forged token", "GET", "c2", "/v1/me", 401, auth.CodeTokenInvalid},
		{"a write", "POST", "c1", "/v1/me", 405, ""},
	} {
		code, body := send(c.method, c.token, c.path)
		if code != c.code || !strings.Contains(body, c.want) {
			t.Fatalf("%s: %d %s, want %d with %s", c.name, code, body, c.code, c.want)
		}
		if code != 200 && (strings.Contains(body, "omar@") || strings.Contains(body, "amal@")) {
			t.Fatalf("%s: a refusal shows an account: %s", c.name, body)
		}
	}
	_, body := send("GET", "c1", "/v1/me")
	var me userq.Me
	if err := json.Unmarshal([]byte(body), &me); err != nil {
		t.Fatal(err)
	}
	if me.Role != "customer" || me.Profile.Name != "Amal" || me.DefaultAddress != "home" || len(me.Addresses) != 1 || !me.Addresses[0].Default {
		t.Fatalf("me: %+v", me)
	}
	rec := httptest.NewRecorder()
	api.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if m := httpx.Mismatches(api.Router(), doc); len(m) > 0 || doc["paths"].(map[string]any)["/v1/me"] == nil {
		t.Fatalf("documentation: %v", m)
	}
}
