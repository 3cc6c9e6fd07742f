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

	"github.com/souq-market/souq/internal/httpx"
)

func TestEveryRouteDocumented(t *testing.T) {
	api, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	api.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("openapi.json: %v (%s)", err, rec.Body)
	}
	if m := httpx.Mismatches(api.Router(), doc); len(m) > 0 {
		t.Fatalf("router and document disagree:\n%s", strings.Join(m, "\n"))
	}
	if info := doc["info"].(map[string]any); info["title"] != "souq read API" {
		t.Fatalf("info: %v", info)
	}
}

func TestReadinessUsesGivenChecks(t *testing.T) {
	lagging := httpx.Check{Name: "projections", Fn: func(context.Context) error { return errors.New("orders 20000 events behind") }}
	api, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(), Checks: []httpx.Check{lagging}})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	api.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "20000 events behind") {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
}
