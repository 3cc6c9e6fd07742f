package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/config"
)

// TestPIIMasterKeyLifecycle: through the configuration souq starts from, a
// master key set later wraps the keys already stored and the customer's
// data reads as before; a start without it, or with another, is refused
// with what to do, never left to fail read by read; `souq forget
// --unwrap-keys` gives it up.
func TestPIIMasterKeyLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const (
		master = "736f75712d746573742d7069692d6d61737465722d6b65792d33322d62797465" // 32 bytes
		other  = "6f746865722d746573742d7069692d6d61737465722d6b65792d33322d627974"
	)
	env := func(key string) map[string]string {
		return map[string]string{"SOUQ_DATA_DIR": dir, "SOUQ_PII_MASTER_KEY": key, "SOUQ_LOG_LEVEL": "error"}
	}
	open := func(key string) (eventstore.Store, error) {
		t.Helper()
		e := env(key)
		cfg, err := config.Load(config.Source{Getenv: func(k string) string { return e[k] }})
		if err != nil {
			t.Fatal(err)
		}
		return openStore(ctx, cfg, slog.New(slog.DiscardHandler))
	}
	email := func(key string) string {
		t.Helper()
		st, err := open(key)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = st.Close() }()
		evs, err := st.ReadStream(ctx, "user-u1", eventstore.ReadStreamOptions{Limit: 1})
		if err != nil || len(evs) != 1 {
			t.Fatalf("read: %d events, %v", len(evs), err)
		}
		var r user.Registered
		if err := json.Unmarshal(evs[0].Data, &r); err != nil {
			t.Fatal(err)
		}
		return r.Email
	}

	// Before any master key: a customer registers, sealed with a plain key.
	st, err := open("")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(user.Registered{UserID: "u1", Email: "layla@example.ae", Role: user.Customer,
		Profile: user.Profile{Name: "Layla"}, At: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)})
	if _, err := st.Append(ctx, "user-u1", eventstore.NoStream, []eventstore.EventData{{
		ID: "0b9f3c1e-2d4a-4e6b-8c7d-1a2b3c4d5e6f", Type: user.TypeRegistered, SchemaVersion: 1, Data: data,
	}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	if got := email(master); got != "layla@example.ae" {
		t.Fatalf("after the master key was set the email reads %q", got)
	}
	for key, want := range map[string]string{"": "--unwrap-keys", other: "not the master key"} {
		st, err := open(key)
		if err == nil {
			_ = st.Close()
			t.Fatalf("started with master key %q over wrapped keys", key)
		}
		if !strings.Contains(err.Error(), "SOUQ_PII_MASTER_KEY") || !strings.Contains(err.Error(), want) {
			t.Errorf("start with master key %q: %v", key, err)
		}
	}

	cli := func(key string) (int, string) {
		var out bytes.Buffer
		e := env(key)
		code := run(ctx, environment{args: []string{"forget", "--unwrap-keys"}, getenv: func(k string) string { return e[k] }, stdout: &out, stderr: &out})
		return code, out.String()
	}
	if code, out := cli(""); code != exitUsage || !strings.Contains(out, "SOUQ_PII_MASTER_KEY is not set") {
		t.Fatalf("--unwrap-keys without the master key: exit %d: %s", code, out)
	}
	if code, out := cli(master); code != exitOK || !strings.Contains(out, "unwrapped 1 data keys") {
		t.Fatalf("--unwrap-keys: exit %d: %s", code, out)
	}
	if got := email(""); got != "layla@example.ae" {
		t.Fatalf("after --unwrap-keys the email reads %q without the master key", got)
	}
}
