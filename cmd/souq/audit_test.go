package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/history"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/testenv"
	"github.com/souq-market/souq/projections/vendors/market"
)

// auditFixture is a data dir holding a marketplace's history, and that
// history as read back from the store.
func auditFixture(t *testing.T, more ...string) (map[string]string, []eventstore.RecordedEvent) {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{"SOUQ_DATA_DIR": dir, "SOUQ_LOG_FORMAT": "json"}
	for i := 0; i+1 < len(more); i += 2 {
		env[more[i]] = more[i+1]
	}
	cfg, err := config.Load(config.Source{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	market.History(t, st, 7, 12)
	all, err := st.ReadAll(ctx, 0, 100_000)
	if err != nil {
		t.Fatal(err)
	}
	return env, all
}

func jsonLines(t *testing.T, out string) []auditRow {
	t.Helper()
	var rows []auditRow
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var r auditRow
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("not JSON Lines: %q: %v", l, err)
		}
		rows = append(rows, r)
	}
	return rows
}

func TestAuditStreamPagesAndExports(t *testing.T) {
	env, all := auditFixture(t)
	var want []eventstore.RecordedEvent
	for _, e := range all {
		if e.StreamID == "vendor-v-1" {
			want = append(want, e)
		}
	}
	if len(want) < 2 {
		t.Fatalf("fixture: vendor-v-1 has %d events", len(want))
	}
	code, out, errs := runIn(t, []string{"audit", "stream", "vendor-v-1", "--limit", "1"}, env)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) != 2 || !strings.HasPrefix(lines[0], "POSITION") ||
		!strings.Contains(lines[1], want[0].Type) || !strings.Contains(lines[1], "v-1") || !strings.Contains(lines[1], "vendor") {
		t.Fatalf("first page: %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(errs, "more: souq audit stream vendor-v-1 --after 0") {
		t.Fatalf("no pointer to the next page: %s", errs)
	}
	code, out, errs = runIn(t, []string{"audit", "stream", "vendor-v-1", "--after", "0", "--format", "jsonl"}, env)
	rows := jsonLines(t, out)
	if code != exitOK || len(rows) != len(want)-1 || strings.Contains(errs, "more:") {
		t.Fatalf("second page: %d, %d rows, want %d\n%s", code, len(rows), len(want)-1, errs)
	}
	for i, r := range rows {
		w := want[i+1]
		if r.Position != uint64(w.Position) || r.Revision != w.StreamRevision || r.Actor != w.Metadata.Actor.UserID ||
			r.Role != w.Metadata.Actor.Role || r.CommandID != w.Metadata.CommandID || r.CorrelationID != w.Metadata.CorrelationID ||
			!r.RecordedAt.Equal(w.Metadata.RecordedAt) || string(r.Data) != string(w.Data) {
			t.Errorf("row %d: %+v, want the stored %+v", i, r, w)
		}
	}
	if code, _, _ := runIn(t, []string{"audit", "stream", "vendor-nobody"}, env); code != exitFailure {
		t.Errorf("a missing stream: exit %d", code)
	}
	if code, _, _ := runIn(t, []string{"audit", "stream", "vendor-v-1", "--format", "xml"}, env); code != exitUsage {
		t.Errorf("--format xml: exit %d", code)
	}
}

func TestAuditActorFromTheViewAndFromAScan(t *testing.T) {
	env, all := auditFixture(t)
	since := all[len(all)/3].Metadata.RecordedAt
	until := all[2*len(all)/3].Metadata.RecordedAt
	var want []uint64
	for _, e := range all {
		at := e.Metadata.RecordedAt
		if e.Metadata.Actor.UserID == "v-0" && !at.Before(since) && at.Before(until) {
			want = append(want, uint64(e.Position))
		}
	}
	if len(want) == 0 {
		t.Fatal("fixture: v-0 caused nothing in the window")
	}
	positions := func(out string) []uint64 {
		var ps []uint64
		for _, r := range jsonLines(t, out) {
			if r.Actor != "v-0" {
				t.Fatalf("another actor's event: %+v", r)
			}
			ps = append(ps, r.Position)
		}
		slices.Sort(ps)
		return ps
	}
	args := []string{"audit", "actor", "v-0", "--since", since.Format(time.RFC3339Nano), "--until", until.Format(time.RFC3339Nano), "--format", "jsonl"}
	// No views.db yet: a scan, with the rate in the log.
	code, out, errs := runIn(t, args, env)
	if code != exitOK || !slices.Equal(positions(out), want) {
		t.Fatalf("scan: %d, %v, want %v\n%s", code, positions(out), want, errs)
	}
	if !strings.Contains(errs, "audit scan done") || !strings.Contains(errs, "events_per_second") {
		t.Errorf("scan left no rate in the log: %s", errs)
	}
	if _, err := os.Stat(filepath.Join(env["SOUQ_DATA_DIR"], "views.db")); err == nil {
		t.Error("looking for the view created views.db")
	}
	if code, out, errs := runIn(t, []string{"projections", "rebuild", "audit"}, env); code != exitOK {
		t.Fatalf("rebuild the audit view: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runIn(t, args, env)
	if code != exitOK || !slices.Equal(positions(out), want) || strings.Contains(errs, "scan") {
		t.Fatalf("view: %d, %v, want %v\n%s", code, positions(out), want, errs)
	}
	if strings.Contains(errs, "trails") {
		t.Errorf("a rebuilt view reported behind: %s", errs)
	}
	// An event after the rebuild: the view's answer says it trails.
	cfg, err := config.Load(config.Source{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	last := all[len(all)-1]
	if _, err := st.Append(context.Background(), last.StreamID, eventstore.Any, []eventstore.EventData{{
		ID: "0b9c7e52-4c1d-5e8a-9f3b-6a2d8c4e1f70", Type: last.Type, SchemaVersion: last.SchemaVersion, Data: last.Data,
	}}); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()
	if code, _, errs := runIn(t, args, env); code != exitOK || !strings.Contains(errs, "the audit view trails the store") {
		t.Errorf("a view behind the store: %d, no warning in %s", code, errs)
	}
	if code, _, _ := runIn(t, []string{"audit", "actor", "v-0"}, env); code != exitUsage {
		t.Errorf("no --since: exit %d", code)
	}
}

func TestAuditStateAndDiff(t *testing.T) {
	env, all := auditFixture(t)
	var vendorEvents []eventstore.RecordedEvent
	for _, e := range all {
		if e.StreamID == "vendor-v-2" {
			vendorEvents = append(vendorEvents, e)
		}
	}
	registered, approved := vendorEvents[0], vendorEvents[1]
	state := func(args ...string) map[string]any {
		t.Helper()
		code, out, errs := runIn(t, append([]string{"audit", "state", "vendor-v-2"}, args...), env)
		var st struct {
			Kind   string         `json:"kind"`
			Events int            `json:"events"`
			Fields map[string]any `json:"fields"`
		}
		if code != exitOK || json.Unmarshal([]byte(out), &st) != nil || st.Kind != "vendor" {
			t.Fatalf("state %v: %d\n%s\n%s", args, code, out, errs)
		}
		return st.Fields
	}
	// Registered, not yet approved: as of its time, and just before approval.
	if f := state("--at", registered.Metadata.RecordedAt.Format(time.RFC3339Nano)); f["Status"] != "pending_kyc" || f["CanSell"] != false {
		t.Fatalf("as of registration: %v", f)
	}
	if f := state("--position", strconv.FormatUint(uint64(approved.Position)-1, 10)); f["Status"] != "pending_kyc" {
		t.Fatalf("just before approval: %v", f)
	}
	if f := state("--position", strconv.FormatUint(uint64(approved.Position), 10)); f["Status"] != "approved" || f["CommissionRate"] != float64(1000) {
		t.Fatalf("as of approval: %v", f)
	}
	code, out, errs := runIn(t, []string{"audit", "diff", "vendor-v-2", "--from", registered.Metadata.RecordedAt.Format(time.RFC3339Nano),
		"--to", strconv.FormatUint(uint64(approved.Position), 10)}, env)
	var d struct {
		Changes []struct {
			Field    string
			From, To any
		}
		Events []auditRow
	}
	if code != exitOK || json.Unmarshal([]byte(out), &d) != nil {
		t.Fatalf("diff: %d\n%s\n%s", code, out, errs)
	}
	if len(d.Events) != 1 || d.Events[0].Position != uint64(approved.Position) || d.Events[0].Actor != approved.Metadata.Actor.UserID {
		t.Fatalf("events between: %+v, want the approval", d.Events)
	}
	var status bool
	for _, c := range d.Changes {
		if c.Field == "Status" {
			status = c.From == "pending_kyc" && c.To == "approved"
		}
	}
	if !status {
		t.Fatalf("changes %+v lack Status pending_kyc → approved", d.Changes)
	}
	for _, args := range [][]string{{"audit", "state", "vendor-v-2"}, {"audit", "state", "cart-1", "--position", "1"}, {"audit", "diff", "vendor-v-2", "--from", "1"}} {
		if code, _, _ := runIn(t, args, env); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestReplayWindowIntoAFreshDatabase(t *testing.T) {
	env, all := auditFixture(t)
	from, to := all[10].Position, all[len(all)-10].Position
	code, out, errs := runIn(t, []string{"replay", "--projector", "audit", "--from", strconv.FormatUint(uint64(from), 10),
		"--to", strconv.FormatUint(uint64(to), 10)}, env)
	n := int(to - from + 1)
	if code != exitOK || !strings.Contains(out, "audit: "+strconv.Itoa(n)+" events") || !strings.Contains(out, "0 parked") {
		t.Fatalf("replay: %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(errs, `"msg":"replayed"`) || !strings.Contains(errs, "events_per_second") {
		t.Errorf("no rate in the log: %s", errs)
	}
	file := filepath.Join(env["SOUQ_DATA_DIR"], "replay", "audit-"+strconv.FormatUint(uint64(from), 10)+"-"+strconv.FormatUint(uint64(to), 10)+".db")
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, lo, hi int
	if err := db.QueryRow("SELECT COUNT(*), MIN(position), MAX(position) FROM audit_events").Scan(&rows, &lo, &hi); err != nil {
		t.Fatal(err)
	}
	if rows != n || lo != int(from) || hi != int(to) {
		t.Fatalf("the view holds %d rows at %d..%d, want %d at %d..%d", rows, lo, hi, n, from, to)
	}
	// The live views are not touched, and a second replay into the same file is refused.
	if _, err := os.Stat(filepath.Join(env["SOUQ_DATA_DIR"], "views.db")); err == nil {
		t.Error("replay created the live views.db")
	}
	if code, _, errs := runIn(t, []string{"replay", "--projector", "audit", "--from", strconv.FormatUint(uint64(from), 10),
		"--to", strconv.FormatUint(uint64(to), 10)}, env); code != exitFailure || !strings.Contains(errs, "exists") {
		t.Errorf("replay into an existing file: %d %s", code, errs)
	}
	for _, args := range [][]string{{"replay", "--projector", "nope", "--from", "1"}, {"replay", "--projector", "audit"}, {"replay", "--projector", "audit", "--from", "5", "--to", "4"}} {
		if code, _, _ := runIn(t, args, env); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

// TestEveryStreamOfAMarketFolds folds every stream of a marketplace's
// history (vendors, products, stock, orders, payments, shipments …) as of
// the head: each is a known aggregate kind and takes all its events.
func TestEveryStreamOfAMarketFolds(t *testing.T) {
	env, all := auditFixture(t)
	cfg, err := config.Load(config.Source{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	count := map[string]int{}
	for _, e := range all {
		count[e.StreamID]++
	}
	r := history.New(st, commands.NewRegistry())
	kinds := map[string]bool{}
	for stream, n := range count {
		s, err := r.At(ctx, stream, history.Head)
		if err != nil || s.Events != n || len(s.Fields) == 0 {
			t.Fatalf("%s: %d events, %d fields, %v; want %d events", stream, s.Events, len(s.Fields), err, n)
		}
		kinds[s.Kind] = true
	}
	if len(kinds) < 4 {
		t.Errorf("the history covers only the kinds %v", kinds)
	}
	t.Logf("%d streams of kinds %v", len(count), kinds)
}

// TestAuditOnPostgres: the event store and the audit view in PostgreSQL
// schemas of their own (dropped afterwards); the actor's events from the
// view equal those in the store, and a replay reads the PostgreSQL log.
func TestAuditOnPostgres(t *testing.T) {
	url := testenv.URL(t, testenv.Postgres)
	stamp := time.Now().UnixNano()
	events, views := fmt.Sprintf("souq_audit_%d", stamp), fmt.Sprintf("souq_audit_views_%d", stamp)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Errorf("drop schemas: %v", err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+events+" CASCADE; DROP SCHEMA IF EXISTS "+views+" CASCADE"); err != nil {
			t.Errorf("drop schemas: %v", err)
		}
	})
	env, all := auditFixture(t, "SOUQ_EVENTSTORE", "postgres", "SOUQ_POSTGRES_URL", url, "SOUQ_POSTGRES_SCHEMA", events,
		"SOUQ_VIEWS", "postgres", "SOUQ_VIEWS_SCHEMA", views)
	var want []uint64
	for _, e := range all {
		if e.Metadata.Actor.UserID == "v-3" {
			want = append(want, uint64(e.Position))
		}
	}
	slices.Reverse(want) // the view answers newest first
	if code, out, errs := runIn(t, []string{"projections", "rebuild", "audit"}, env); code != exitOK {
		t.Fatalf("rebuild the audit view: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := runIn(t, []string{"audit", "actor", "v-3", "--since", "2000-01-01T00:00:00Z", "--format", "jsonl"}, env)
	var got []uint64
	for _, r := range jsonLines(t, out) {
		got = append(got, r.Position)
	}
	if code != exitOK || len(want) == 0 || !slices.Equal(got, want) || strings.Contains(errs, "scan") {
		t.Fatalf("actor from the PostgreSQL view: %d, %v, want %v\n%s", code, got, want, errs)
	}
	last := all[len(all)-1]
	code, out, errs = runIn(t, []string{"replay", "--projector", "audit", "--from", "1"}, env)
	if code != exitOK || !strings.Contains(out, fmt.Sprintf("audit: %d events (positions 1 to %d)", len(all), last.Position)) {
		t.Fatalf("replay from PostgreSQL: %d\n%s\n%s", code, out, errs)
	}
}
