package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/projections/vendors/market"
)

// TestProjectionsCLI operates the projectors of a data dir as an operator
// would: list, rebuild with progress, parked events and their replay,
// pause, resume, reset.
func TestProjectionsCLI(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SOUQ_DATA_DIR": dir, "SOUQ_LOG_FORMAT": "json"}
	cfg, err := config.Load(config.Source{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	market.History(t, st, 41, 40)
	// An event the vendor dashboard cannot place: a sub-order never ordered.
	data, _ := json.Marshal(order.SubOrderShipped{SubOrderID: "ghost-1", ShipmentID: "sh-ghost", At: market.Start})
	if _, err := st.Append(ctx, "order-ghost", eventstore.Any, []eventstore.EventData{{
		ID: "6f1c2a4e-8b7d-5c3e-9a1f-2d4b6c8e0a13", Type: order.TypeSubOrderShipped, SchemaVersion: 1, Data: data,
	}}); err != nil {
		t.Fatal(err)
	}
	head, err := st.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) (int, string, string) {
		t.Helper()
		return runIn(t, append([]string{"projections"}, args...), env)
	}
	row := func(out, name string) []string {
		t.Helper()
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 0 && f[0] == name {
				return f
			}
		}
		t.Fatalf("no row %s in\n%s", name, out)
		return nil
	}
	h := func() string { return strconv.FormatUint(uint64(head), 10) }

	code, out, errs := cli("list")
	if code != exitOK {
		t.Fatalf("list: %d %s", code, errs)
	}
	for _, name := range []string{"vendors", "kpis", "audit"} {
		if f := row(out, name); f[1] != "idle" || f[2] != "0" || f[3] != h() || f[4] != h() || f[6] != "0" {
			t.Fatalf("list before any run: %v", f)
		}
	}

	code, out, errs = cli("rebuild", "vendors")
	if code != exitOK || !strings.Contains(out, "vendors rebuilt: "+h()+" events") {
		t.Fatalf("rebuild: %d\n%s\n%s", code, out, errs)
	}
	if !regexp.MustCompile(`rebuild: \d+ events, position \d+ of \d+, \d+ events/s`).MatchString(errs) || strings.Contains(errs, "\r") {
		t.Fatalf("a rebuild off a terminal prints plain progress lines with a rate:\n%s", errs)
	}
	if !strings.Contains(errs, `"events_per_second"`) {
		t.Fatalf("the rebuild's rate is not logged:\n%s", errs)
	}
	views, err := sql.Open("sqlite", filepath.Join(dir, "views.db")+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer views.Close()
	var vendors int
	if err := views.QueryRow(`SELECT count(*) FROM vendor_profiles`).Scan(&vendors); err != nil || vendors != 4 {
		t.Fatalf("%d vendor profiles after the rebuild (%v), want 4", vendors, err)
	}

	_, out, _ = cli("list")
	if f := row(out, "vendors"); f[2] != h() || f[4] != "0" || f[6] != "1" {
		t.Fatalf("after the rebuild: %v", f)
	}
	code, out, _ = cli("parked", "vendors")
	if code != exitOK || !strings.Contains(out, order.TypeSubOrderShipped) || !strings.Contains(out, "order-ghost") || !strings.Contains(out, "1 parked") {
		t.Fatalf("parked: %d\n%s", code, out)
	}
	code, out, errs = cli("replay-parked", "vendors")
	if code != exitFailure || !strings.Contains(out, "0 replayed") || !strings.Contains(errs, "never placed") {
		t.Fatalf("replaying a still failing event: %d\n%s\n%s", code, out, errs)
	}
	if _, out, _ = cli("parked", "vendors"); !strings.Contains(out, "1 parked") {
		t.Fatalf("a failed replay keeps the event parked:\n%s", out)
	}

	if code, _, errs = cli("pause", "kpis"); code != exitOK {
		t.Fatalf("pause: %d %s", code, errs)
	}
	if _, out, _ = cli("list"); row(out, "kpis")[1] != "paused" {
		t.Fatalf("after pause:\n%s", out)
	}
	if code, _, _ = cli("resume", "kpis"); code != exitOK {
		t.Fatal("resume failed")
	}
	if _, out, _ = cli("list"); row(out, "kpis")[1] != "idle" {
		t.Fatalf("after resume:\n%s", out)
	}
	if code, _, _ = cli("reset", "vendors"); code != exitOK {
		t.Fatal("reset failed")
	}
	if _, out, _ = cli("list"); row(out, "vendors")[2] != "0" || row(out, "vendors")[6] != "0" {
		t.Fatalf("after reset:\n%s", out)
	}
	if err := views.QueryRow(`SELECT count(*) FROM vendor_profiles`).Scan(&vendors); err != nil || vendors != 0 {
		t.Fatalf("%d vendor profiles after the reset (%v), want 0", vendors, err)
	}

	if code, _, errs = cli("rebuild", "nonesuch"); code != exitUsage || !strings.Contains(errs, "vendors") {
		t.Fatalf("unknown projector: %d %s", code, errs)
	}
	if code, _, _ = cli("pause"); code != exitUsage {
		t.Fatalf("no name: %d", code)
	}
	if code, _, _ = cli("explode"); code != exitUsage {
		t.Fatalf("unknown command: %d", code)
	}
}
