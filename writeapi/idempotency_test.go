package writeapi

import (
	"strings"
	"testing"

	"github.com/souq-market/souq/internal/auth"
)

func TestIdempotencyKeyReplaysAndRefusesOtherBodies(t *testing.T) {
	e := newEnv(t)
	tok := e.token(auth.Vendor, "v-1")
	first := e.post("/v1/inventory/oud-50/receipts", tok, `{"location":"dxb","quantity":3}`, "Idempotency-Key", "k-1")
	if first.Code != 200 || first.Header().Get("Idempotency-Replayed") != "" {
		t.Fatalf("first: %d %v %s", first.Code, first.Header(), first.Body)
	}
	head := e.head()
	again := e.post("/v1/inventory/oud-50/receipts", tok, `{"location":"dxb","quantity":3}`, "Idempotency-Key", "k-1")
	if again.Code != 200 || again.Header().Get("Idempotency-Replayed") != "true" || e.head() != head {
		t.Fatalf("replay: %d %v %s (head %d → %d)", again.Code, again.Header(), again.Body, head, e.head())
	}
	a, b := answer(t, first), answer(t, again)
	if a.CommandID != b.CommandID || a.Position != b.Position || a.Revision != b.Revision || !b.Replayed ||
		again.Header().Get("X-Souq-Position") != first.Header().Get("X-Souq-Position") {
		t.Fatalf("the replay is not the first answer: %+v vs %+v", a, b)
	}
	if md := e.last("inventory-oud-50@dxb").Metadata; md.IdempotencyKey != "k-1" {
		t.Fatalf("metadata lacks the key: %+v", md)
	}
	other := e.post("/v1/inventory/oud-50/receipts", tok, `{"location":"dxb","quantity":4}`, "Idempotency-Key", "k-1")
	if other.Code != 409 || problem(t, other)["code"] != "command.idempotency_key_reused" || e.head() != head {
		t.Fatalf("same key, other body: %d %s", other.Code, other.Body)
	}
	// The key is scoped per user: another vendor's k-1 is its own command.
	if rec := e.post("/v1/inventory/musk-30/receipts", e.token(auth.Vendor, "v-2"), `{"location":"dxb","quantity":3}`, "Idempotency-Key", "k-1"); rec.Code != 200 || rec.Header().Get("Idempotency-Replayed") != "" {
		t.Fatalf("another user's key: %d %s", rec.Code, rec.Body)
	}
	for _, bad := range []string{strings.Repeat("k", 256), "has space", "tab\tkey"} {
		before := e.head()
		if rec := e.post("/v1/inventory/oud-50/receipts", tok, `{"location":"dxb","quantity":1}`, "Idempotency-Key", bad); rec.Code != 400 || e.head() != before {
			t.Fatalf("key %q: %d %s", bad, rec.Code, rec.Body)
		}
	}
}

func TestIfMatch(t *testing.T) {
	e := newEnv(t)
	tok := e.token(auth.Vendor, "v-1")
	if rec := e.post("/v1/inventory/oud-50/receipts", tok, `{"location":"dxb","quantity":1}`, "If-Match", `"0"`); rec.Code != 412 {
		t.Fatalf("If-Match on a missing stream: %d %s", rec.Code, rec.Body)
	}
	first := e.post("/v1/inventory/oud-50/receipts", tok, `{"location":"dxb","quantity":1}`)
	if first.Header().Get("ETag") != `"0"` {
		t.Fatalf("ETag %q", first.Header().Get("ETag"))
	}
	head := e.head()
	stale := e.post("/v1/inventory/oud-50/receipts", tok, `{"location":"dxb","quantity":1}`, "If-Match", `"7"`)
	if stale.Code != 412 || problem(t, stale)["code"] != CodePrecondition || e.head() != head {
		t.Fatalf("stale If-Match: %d %s", stale.Code, stale.Body)
	}
	for _, bad := range []string{`0`, `W/"0"`, `"x"`, `*`} {
		if rec := e.post("/v1/inventory/oud-50/receipts", tok, `{"location":"dxb","quantity":1}`, "If-Match", bad); rec.Code != 400 || e.head() != head {
			t.Fatalf("If-Match %s: %d %s", bad, rec.Code, rec.Body)
		}
	}
	ok := e.post("/v1/inventory/oud-50/receipts", tok, `{"location":"dxb","quantity":1}`, "If-Match", `"0"`, "Idempotency-Key", "m-1")
	if ok.Code != 200 || answer(t, ok).Revision != 1 {
		t.Fatalf("matching If-Match: %d %s", ok.Code, ok.Body)
	}
	// A retry of that request (its answer lost) replays, not 412.
	if rec := e.post("/v1/inventory/oud-50/receipts", tok, `{"location":"dxb","quantity":1}`, "If-Match", `"0"`, "Idempotency-Key", "m-1"); rec.Code != 200 || rec.Header().Get("Idempotency-Replayed") != "true" {
		t.Fatalf("retry with If-Match: %d %s", rec.Code, rec.Body)
	}
}
