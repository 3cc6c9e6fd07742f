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

	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections/audit"
	"github.com/souq-market/souq/projections/audit/auditq"
	"github.com/souq-market/souq/projections/kpis"
	"github.com/souq-market/souq/projections/kpis/kpiq"
	"github.com/souq-market/souq/projections/vendors"
	"github.com/souq-market/souq/projections/vendors/market"
	"github.com/souq-market/souq/projections/vendors/vendorq"
	"github.com/souq-market/souq/projections/viewtest"
)

// TestVendorKPIAuditRoutes reads the three views through HTTP: who may read
// what, the parameters, pagination by next link, and the documentation.
func TestVendorKPIAuditRoutes(t *testing.T) {
	db := viewtest.SQLite(t)
	st := viewtest.NewStore(t)
	market.History(t, st, 31, 40)
	viewtest.Project(t, db, st, vendors.New(), kpis.New(), audit.New())
	callers := map[string]auth.Actor{
		"v0": {UserID: "u-v0", Role: auth.Vendor, VendorID: "v-0"}, "c": {UserID: "c-1", Role: auth.Customer},
		"admin": {UserID: "a", Role: auth.Admin}, "auditor": {UserID: "au", Role: auth.Auditor},
	}
	api, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(),
		Verify: auth.VerifierFunc(func(_ context.Context, token string) (auth.Actor, error) {
			c, ok := callers[token]
			if !ok {
				return auth.Actor{}, errors.New("unknown token")
			}
			return c, nil
		}),
		Vendors: vendorq.New(db.R, db.Rebind), KPIs: kpiq.New(db.R, db.Rebind), Audit: auditq.New(db.R, db.Rebind)})
	if err != nil {
		t.Fatal(err)
	}
	get := func(token, path string) (int, map[string]any) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		api.Handler().ServeHTTP(rec, req)
		var body map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		return rec.Code, body
	}
	from := "?from=2025-03-01&to=2025-04-30"
	for _, c := range []struct {
		token, path string
		code        int
		check       func(map[string]any) bool
	}{
		{"v0", "/v1/vendors/v-0/dashboard" + from, 200, func(b map[string]any) bool { return b["vendor_id"] == "v-0" && len(b["days"].([]any)) > 0 }},
		{"admin", "/v1/vendors/v-1/dashboard" + from + "&threshold=1000&top=2", 200, func(b map[string]any) bool {
			return len(b["top_products"].([]any)) == 2 && len(b["low_stock"].([]any)) > 0
		}},
		{"v0", "/v1/vendors/v-1/dashboard", 403, nil},
		{"c", "/v1/vendors/v-0/dashboard", 403, nil},
		{"auditor", "/v1/vendors/v-0/dashboard", 403, nil},
		{"", "/v1/vendors/v-0/dashboard", 401, nil},
		{"admin", "/v1/vendors/v-9/dashboard", 404, nil},
		{"admin", "/v1/vendors/v-0/dashboard?from=yesterday", 400, nil},
		{"admin", "/v1/vendors/v-0/dashboard?top=0", 400, nil},
		{"admin", "/v1/vendors/v-0/dashboard?from=2025-01-01&to=2026-06-01", 400, nil},

		{"auditor", "/v1/admin/kpis" + from, 200, func(b map[string]any) bool {
			return len(b["days"].([]any)) > 0 && len(b["totals"].([]any)) == 2 && len(b["orders_by_status"].(map[string]any)) > 0
		}},
		{"admin", "/v1/admin/kpis" + from + "&currency=SAR", 200, func(b map[string]any) bool {
			ts := b["totals"].([]any)
			return len(ts) == 1 && ts[0].(map[string]any)["currency"] == "SAR"
		}},
		{"admin", "/v1/admin/kpis?currency=usd", 400, nil},
		{"admin", "/v1/admin/kpis?from=2025-05-01&to=2025-03-01", 400, nil},
		{"v0", "/v1/admin/kpis", 403, nil},

		{"auditor", "/v1/audit/events?actor=system&limit=500", 200, func(b map[string]any) bool { return len(b["items"].([]any)) > 5 }},
		{"auditor", "/v1/audit/events?from=2025-03-01T00:00:00Z&to=soon", 400, nil},
		{"auditor", "/v1/audit/events?cursor=nope", 400, nil},
		{"auditor", "/v1/audit/events?limit=0", 400, nil},
		{"c", "/v1/audit/events", 403, nil},
		{"v0", "/v1/audit/events", 403, nil},
	} {
		code, body := get(c.token, c.path)
		if code != c.code || (c.check != nil && !c.check(body)) {
			t.Errorf("%s GET %s: %d %v, want %d", c.token, c.path, code, body, c.code)
		}
	}

	// Walking the audit log by next links sees every event once.
	counts := map[string]int{}
	busiest := ""
	for _, ev := range viewtest.Events(t, st) {
		if counts[ev.StreamID]++; counts[ev.StreamID] > counts[busiest] {
			busiest = ev.StreamID
		}
	}
	seen := map[float64]bool{}
	next := "/v1/audit/events?limit=3&stream=" + busiest
	for next != "" {
		code, body := get("admin", next)
		if code != 200 {
			t.Fatalf("GET %s: %d %v", next, code, body)
		}
		for _, it := range body["items"].([]any) {
			p := it.(map[string]any)["position"].(float64)
			if seen[p] {
				t.Fatalf("position %v twice", p)
			}
			seen[p] = true
		}
		next, _ = body["next"].(string)
	}
	if want := counts[busiest]; len(seen) != want || want < 4 {
		t.Fatalf("walked %d events of %s, want %d (more than a page)", len(seen), busiest, want)
	}

	rec := httptest.NewRecorder()
	api.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if m := httpx.Mismatches(api.Router(), doc); len(m) > 0 {
		t.Fatalf("router and document disagree:\n%s", strings.Join(m, "\n"))
	}
	for _, p := range []string{"/v1/vendors/{id}/dashboard", "/v1/admin/kpis", "/v1/audit/events"} {
		if _, ok := doc["paths"].(map[string]any)[p]; !ok {
			t.Errorf("%s not in /openapi.json", p)
		}
	}
}
