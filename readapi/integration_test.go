package readapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/integration"
	"github.com/souq-market/souq/internal/auth"
)

// TestIntegrationFeed: staff page through the feed with ?after and ?limit
// as given, following the answer's after; other roles are refused; bad
// parameters are 400s.
func TestIntegrationFeed(t *testing.T) {
	type call struct {
		after uint64
		limit int
	}
	var calls []call
	feed := func(_ context.Context, after uint64, limit int) ([]integration.Event, uint64, error) {
		calls = append(calls, call{after, limit})
		if after >= 9 {
			return nil, after, nil
		}
		return []integration.Event{{ID: "e", Type: integration.TopicOrderCreated, SchemaVersion: 1, Position: after + 2, Payload: json.RawMessage(`{}`)}}, after + 3, nil
	}
	callers := map[string]auth.Actor{"admin": {UserID: "a", Role: auth.Admin}, "super": {UserID: "s", Role: auth.SuperAdmin},
		"auditor": {UserID: "au", Role: auth.Auditor}, "c1": {UserID: "c-1", Role: auth.Customer}, "v1": {UserID: "v", Role: auth.Vendor, VendorID: "v-1"}}
	api, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(), Integration: feed,
		Verify: auth.VerifierFunc(func(_ context.Context, token string) (auth.Actor, error) {
			if c, ok := callers[token]; ok {
				return c, nil
			}
			return auth.Actor{}, errors.New("unknown token")
		})})
	if err != nil {
		t.Fatal(err)
	}
	rec := serve(api, "admin", "/v1/integration-events?after=6&limit=5")
	var page FeedPage
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &page) != nil {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if len(page.Items) != 1 || page.Items[0].Position != 8 || page.After != 9 || page.Next != "/v1/integration-events?after=9&limit=5" {
		t.Fatalf("page %+v", page)
	}
	if calls[0] != (call{6, 5}) {
		t.Fatalf("feed called with %+v", calls[0])
	}
	rec = serve(api, "super", page.Next)
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &page) != nil || len(page.Items) != 0 || page.After != 9 {
		t.Fatalf("at the head: %d %s", rec.Code, rec.Body)
	}
	if rec.Body.String() == "" || !json.Valid(rec.Body.Bytes()) || page.Items == nil {
		t.Fatalf("an empty page must list no items as [], got %s", rec.Body)
	}
	if rec := serve(api, "admin", "/v1/integration-events"); rec.Code != 200 || calls[len(calls)-1] != (call{0, 100}) {
		t.Fatalf("defaults: %d, called %+v", rec.Code, calls[len(calls)-1])
	}
	for _, who := range []string{"auditor", "c1", "v1"} {
		if rec := serve(api, who, "/v1/integration-events"); rec.Code != 403 {
			t.Errorf("%s: %d, want 403", who, rec.Code)
		}
	}
	if rec := serve(api, "", "/v1/integration-events"); rec.Code != 401 {
		t.Errorf("anonymous: %d, want 401", rec.Code)
	}
	for _, q := range []string{"after=-1", "after=x", "limit=0", "limit=1001"} {
		if rec := serve(api, "admin", "/v1/integration-events?"+q); rec.Code != 400 {
			t.Errorf("%s: %d, want 400", q, rec.Code)
		}
	}
}
