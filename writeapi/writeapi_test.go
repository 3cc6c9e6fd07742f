package writeapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/httpx"
)

func newAPI(t *testing.T, store eventstore.Store) *httpx.API {
	t.Helper()
	api, err := New(Deps{Store: store, Auth: testVerifier(t), Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

func TestEveryRouteDocumented(t *testing.T) {
	api := newAPI(t, memory.New(memory.Options{}))
	rec := get(t, api.Handler(), "/openapi.json")
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("openapi.json: %v (%s)", err, rec.Body)
	}
	if m := httpx.Mismatches(api.Router(), doc); len(m) > 0 {
		t.Fatalf("router and document disagree:\n%s", strings.Join(m, "\n"))
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/openapi.json"} {
		if _, ok := doc["paths"].(map[string]any)[path]; !ok {
			t.Errorf("%s missing", path)
		}
	}
}

func TestReadinessFollowsTheStore(t *testing.T) {
	store := memory.New(memory.Options{})
	api := newAPI(t, store)
	if rec := get(t, api.Handler(), "/readyz"); rec.Code != 200 {
		t.Fatalf("open store: %d %s", rec.Code, rec.Body)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	rec := get(t, api.Handler(), "/readyz")
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), `"eventstore"`) {
		t.Fatalf("closed store: %d %s", rec.Code, rec.Body)
	}
}

func TestStoreErrorsAsProblems(t *testing.T) {
	ctx := context.Background()
	store := memory.New(memory.Options{})
	ev := eventstore.EventData{ID: "0b6c2d8e-3f1a-4c55-9d2e-7a1b2c3d4e5f", Type: "order.placed", SchemaVersion: 1, Data: json.RawMessage(`{}`)}
	if _, err := store.Append(ctx, "order-1", eventstore.NoStream, []eventstore.EventData{ev}); err != nil {
		t.Fatal(err)
	}
	_, conflict := store.Append(ctx, "order-1", eventstore.NoStream, []eventstore.EventData{{ID: "1b6c2d8e-3f1a-4c55-9d2e-7a1b2c3d4e5f", Type: "order.placed", SchemaVersion: 1, Data: json.RawMessage(`{}`)}})
	_, invalid := store.Append(ctx, "", eventstore.Any, []eventstore.EventData{{ID: "nope", Data: json.RawMessage(`{`)}})
	_, notFound := store.ReadStream(ctx, "order-2", eventstore.ReadStreamOptions{})
	_, reused := store.Append(ctx, "order-9", eventstore.Any, []eventstore.EventData{ev})

	tests := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"conflict", conflict, 409, "eventstore.conflict"},
		{"wrapped conflict", fmt.Errorf("place order: %w", conflict), 409, "eventstore.conflict"},
		{"invalid", invalid, 422, "eventstore.invalid"},
		{"not found", notFound, 404, "eventstore.stream_not_found"},
		{"id reused", reused, 409, "eventstore.id_reused"},
		{"closed", fmt.Errorf("append: %w", eventstore.ErrClosed), 503, "eventstore.closed"},
	}
	api := newAPI(t, store)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("the store returned no error to render")
			}
			rec := httptest.NewRecorder()
			api.Renderer().Error(rec, httptest.NewRequest("POST", "/v1/x", nil), tt.err)
			var p map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tt.status || p["code"] != tt.code || rec.Header().Get("Content-Type") != httpx.ContentType {
				t.Fatalf("got %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.code)
			}
			if tt.name == "invalid" && p["problems"] == nil {
				t.Fatal("the store's problems must reach the client")
			}
		})
	}
}
