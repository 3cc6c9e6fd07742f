// Package domaintest holds the given/when/then helpers the aggregate tests
// share, and the golden-file check of event wire formats. Tests only.
//
// It may import the standard library and the domain kernel.
package domaintest

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/souq-market/souq/domain"
)

// Then fails t unless the aggregate raised exactly want, in order.
func Then(t testing.TB, got []domain.Event, want ...domain.Event) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events:\n got  %s\n want %s", dump(got), dump(want))
	}
}

// Refused fails t unless err is a *domain.Error of kind with code, and no
// event was raised.
func Refused(t testing.TB, err error, changes []domain.Event, kind domain.Kind, code string) {
	t.Helper()
	e, ok := errors.AsType[*domain.Error](err)
	if !ok {
		t.Fatalf("want %s error %q, got %v", kind, code, err)
	}
	if e.Kind != kind || e.Code != code {
		t.Fatalf("want %s error %q, got %s error %q (%v)", kind, code, e.Kind, e.Code, err)
	}
	if len(changes) != 0 {
		t.Fatalf("a refused command raised %s", dump(changes))
	}
}

// Problems fails t unless err is an Invalid command error whose problems
// name exactly these fields, in order.
func Problems(t testing.TB, err error, fields ...string) {
	t.Helper()
	e, ok := errors.AsType[*domain.Error](err)
	if !ok || e.Kind != domain.Invalid {
		t.Fatalf("want an invalid-command error, got %v", err)
	}
	got := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		got[i] = p.Field
	}
	if !reflect.DeepEqual(got, fields) && !(len(got) == 0 && len(fields) == 0) {
		t.Fatalf("problem fields: got %q, want %q (%v)", got, fields, err)
	}
}

// Must fails t on err and returns v.
func Must[T any](t testing.TB, v T, err error) T {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Money is amount minor units of c, failing t on an unknown currency.
func Money(t testing.TB, minor int64, c domain.Currency) domain.Money {
	t.Helper()
	m, err := domain.New(minor, c)
	return Must(t, m, err)
}

// Golden checks each event's JSON against testdata/<wire name>.json, and that
// the JSON decodes back to an equal value: the wire format is a contract with
// every stored event and every consumer, so any change to it must show up in
// a diff. With SOUQ_UPDATE_GOLDEN=1 it rewrites the files instead.
func Golden(t *testing.T, events ...domain.Event) {
	t.Helper()
	seen := map[string]bool{}
	for _, e := range events {
		name := e.EventType()
		if seen[name] {
			t.Fatalf("two samples of %s", name)
		}
		seen[name] = true
		if e.SchemaVersion() < 1 {
			t.Errorf("%s: schema version %d", name, e.SchemaVersion())
		}
		got, err := json.MarshalIndent(e, "", "  ")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got = append(got, '\n')
		path := filepath.Join("testdata", name+".json")
		if os.Getenv("SOUQ_UPDATE_GOLDEN") == "1" {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run with SOUQ_UPDATE_GOLDEN=1 to create it)", name, err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: wire format changed:\n got  %s\n want %s", name, got, want)
		}
		back := reflect.New(reflect.TypeOf(e))
		if err := json.Unmarshal(want, back.Interface()); err != nil {
			t.Fatalf("%s: decode golden: %v", name, err)
		}
		if !reflect.DeepEqual(back.Elem().Interface(), e) {
			t.Errorf("%s: golden JSON decodes to %+v, want %+v", name, back.Elem().Interface(), e)
		}
	}
}

// Covers fails t unless samples hold one event of every wire name in all.
func Covers(t testing.TB, all []domain.Event, samples []domain.Event) {
	t.Helper()
	have := map[string]bool{}
	for _, s := range samples {
		have[s.EventType()] = true
	}
	for _, e := range all {
		if !have[e.EventType()] {
			t.Errorf("no golden sample of %s", e.EventType())
		}
	}
	if len(samples) != len(all) {
		t.Errorf("%d samples for %d event types", len(samples), len(all))
	}
}

func dump(es []domain.Event) string {
	b, _ := json.Marshal(es)
	out := ""
	for i, e := range es {
		if i > 0 {
			out += ", "
		}
		out += e.EventType()
	}
	return "[" + out + "] " + string(b)
}
