package integration_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/souq-market/souq/integration"
)

// schemas are the current payload type of each topic.
func schemas() map[string]func() any {
	return map[string]func() any{
		integration.TopicOrderCreated:     func() any { return new(integration.OrderCreatedV1) },
		integration.TopicOrderUpdated:     func() any { return new(integration.OrderUpdatedV1) },
		integration.TopicPaymentCompleted: func() any { return new(integration.PaymentCompletedV1) },
		integration.TopicInventoryUpdated: func() any { return new(integration.InventoryUpdatedV1) },
		integration.TopicUserRegistered:   func() any { return new(integration.UserRegisteredV1) },
		integration.TopicUserErased:       func() any { return new(integration.UserErasedV1) },
		integration.TopicShipmentCreated:  func() any { return new(integration.ShipmentCreatedV1) },
		integration.TopicDeliveryStatus:   func() any { return new(integration.DeliveryStatusV1) },
	}
}

// TestGoldenPayloads: every golden file (written from the mapping in
// projections/outbox, which checks its output against them) decodes into its
// topic's current schema with no unknown field and encodes back byte for
// byte, so the Go types cannot drift from the published JSON either; and
// every topic has one.
func TestGoldenPayloads(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		var topic string
		for _, tp := range integration.Topics() {
			if strings.HasPrefix(name, tp+".") {
				topic = tp
			}
		}
		if topic == "" {
			t.Errorf("%s names no topic", f)
			continue
		}
		version := fmt.Sprintf(".v%d", integration.Versions()[topic])
		if !strings.HasSuffix(name, version) {
			continue // an old version's file: kept, checked by its own type when there is one
		}
		seen[topic] = true
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v := schemas()[topic]()
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(v); err != nil {
			t.Errorf("%s: does not decode into %T: %v", f, v, err)
			continue
		}
		back, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(append(back, '\n'), raw) {
			t.Errorf("%s: %T encodes differently:\n%s", f, v, back)
		}
	}
	for _, tp := range integration.Topics() {
		if !seen[tp] {
			t.Errorf("topic %s has no golden file of its version %d", tp, integration.Versions()[tp])
		}
	}
}

func TestWindow(t *testing.T) {
	w := integration.NewWindow(3)
	for _, id := range []string{"a", "b", "c"} {
		if !w.First(id) {
			t.Fatalf("%s: not first", id)
		}
	}
	if w.First("a") || w.First("c") {
		t.Fatal("a duplicate inside the window passed")
	}
	if !w.First("d") { // pushes a out
		t.Fatal("d: not first")
	}
	if w.Len() != 3 {
		t.Fatalf("window holds %d IDs, want 3", w.Len())
	}
	if !w.First("a") {
		t.Fatal("a fell out of the window and should count as new")
	}
	if w.Seen("b") {
		t.Fatal("b should have been pushed out by a")
	}
	if w.Seen("x") {
		t.Fatal("x seen before being added")
	}
	w.Add("x")
	w.Add("x")
	if !w.Seen("x") || w.Len() != 3 {
		t.Fatalf("Add: seen %v, len %d", w.Seen("x"), w.Len())
	}
	if !w.First("") || !w.First("") {
		t.Fatal("an empty ID must never be dropped")
	}
}

// TestWindowBounded: a million IDs through a window of 1,000 keep it at
// 1,000, and the last 1,000 are all remembered.
func TestWindowBounded(t *testing.T) {
	w := integration.NewWindow(1000)
	for i := range 1_000_000 {
		w.First(fmt.Sprint(i))
	}
	if w.Len() != 1000 {
		t.Fatalf("len %d", w.Len())
	}
	for i := 999_000; i < 1_000_000; i++ {
		if w.First(fmt.Sprint(i)) {
			t.Fatalf("%d forgotten inside the window", i)
		}
	}
}
