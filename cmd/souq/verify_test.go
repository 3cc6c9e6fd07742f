package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/testenv/pgtest"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/vendors/market"
)

// verifyFixture is a store as `souq seed` leaves it, with wallets opened
// and credited through the domain beside the catalog, and every SQL view
// projected up to the head, as a running souq would have them.
func verifyFixture(t *testing.T, products int, more ...string) (map[string]string, config.Config) {
	t.Helper()
	env := map[string]string{"SOUQ_DATA_DIR": t.TempDir(), "SOUQ_LOG_FORMAT": "json"}
	for i := 0; i+1 < len(more); i += 2 {
		env[more[i]] = more[i+1]
	}
	if code, _, errs := runIn(t, []string{"seed", "--products", fmt.Sprint(products)}, env); code != exitOK {
		t.Fatalf("seed: %d\n%s", code, errs)
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
	reg := commands.NewRegistry()
	x := commands.NewExecutor(st, reg, commands.Options{})
	for i := range 3 {
		id := domain.WalletID(fmt.Sprintf("w-%d", i))
		stream, err := commands.WalletStream(id)
		if err != nil {
			t.Fatal(err)
		}
		amount, err := domain.New(int64(1000*(i+1)), domain.AED)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := commands.Execute(ctx, x, commands.Meta{CommandID: "open-" + string(id)}, commands.Step[*wallet.Wallet]{
			Stream: stream, New: func() *wallet.Wallet { return wallet.New(id) },
			Decide: func(w *wallet.Wallet) error {
				now := time.Now()
				if err := w.Open(wallet.Open{CustomerID: domain.CustomerID(fmt.Sprintf("c-%d", i)), Currency: domain.AED}, now); err != nil {
					return err
				}
				return w.Credit(wallet.Credit{Reference: "topup-" + string(id), Source: wallet.SourceTopUp, Amount: amount}, now)
			},
		}); err != nil {
			t.Fatal(err)
		}
	}
	projectViews(t, cfg, st)
	return env, cfg
}

// projectViews runs every SQL view of the read side over st until each
// reached the head.
func projectViews(t testing.TB, cfg config.Config, st eventstore.Store) {
	t.Helper()
	ctx := context.Background()
	d := projections.SQLite()
	var w, r *sql.DB
	var err error
	if cfg.Views() == config.ViewsPostgres {
		d = projections.Postgres()
		w, r, err = openPostgresViews(ctx, cfg)
	} else {
		w, r, err = openSQLiteViews(filepath.Join(cfg.DataDir, "views.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close(); _ = w.Close() }()
	runner, err := projections.New(ctx, projections.Options{DB: w, Dialect: d, Store: st, Logger: slog.New(slog.DiscardHandler)},
		readProjectors(commands.NewRegistry())...)
	if err != nil {
		t.Fatal(err)
	}
	head, err := st.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = runner.Run(rctx) }()
	defer func() { cancel(); <-done }()
	// Two minutes, and a second per 1,000 events beyond: the benchmark's
	// million-event log takes longer than any test's.
	wctx, wcancel := context.WithTimeout(ctx, 2*time.Minute+time.Duration(head)*time.Millisecond)
	defer wcancel()
	for _, name := range runner.Names() {
		if err := runner.WaitFor(wctx, name, head); err != nil {
			t.Fatalf("%s did not reach %d: %v", name, head, err)
		}
	}
}

// findings parses verify's JSON Lines.
func findings(t *testing.T, out string) []finding {
	t.Helper()
	var fs []finding
	for l := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var f finding
		if err := json.Unmarshal([]byte(l), &f); err != nil {
			t.Fatalf("not JSON Lines: %q: %v", l, err)
		}
		fs = append(fs, f)
	}
	return fs
}

func keyOf(f finding) string {
	var parts []string
	for _, k := range f.Key {
		v := "NULL"
		if k.Value != nil {
			v = *k.Value
		}
		parts = append(parts, k.Column+"="+v)
	}
	return strings.Join(parts, ",")
}

func execSQL(t *testing.T, db *sql.DB, queries ...string) {
	t.Helper()
	for _, q := range queries {
		res, err := db.Exec(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("%s: %d rows, want 1", q, n)
		}
	}
}

// rowEdits are the edits behind the engine's back, and what verify must
// say about each: a wallet's balance raised, a product's row deleted.
var rowEdits = []string{
	`UPDATE wallets SET available = available + 1 WHERE wallet_id = 'w-1'`,
	`DELETE FROM products WHERE product_id = (SELECT min(product_id) FROM products)`,
}

func checkRowEdits(t *testing.T, code int, out, errs, deleted string) {
	t.Helper()
	fs := findings(t, out)
	if code != exitFailure || len(fs) != 2 {
		t.Fatalf("exit %d, %d findings, want 1 and 2:\n%s\n%s", code, len(fs), out, errs)
	}
	bal, gone := fs[0], fs[1]
	if bal.Table == "products" {
		bal, gone = gone, bal
	}
	if bal.Pass != "views" || bal.Projector != "wallets" || bal.Table != "wallets" || bal.Kind != "differs" || keyOf(bal) != "wallet_id=w-1" ||
		bal.Column != "available" || bal.Live == nil || bal.Rebuilt == nil || *bal.Live != "2001" || *bal.Rebuilt != "2000" {
		t.Errorf("the edited balance: %+v", bal)
	}
	if gone.Table != "products" || gone.Kind != "missing" || keyOf(gone) != "product_id="+deleted {
		t.Errorf("the deleted row: %+v, want product %s missing", gone, deleted)
	}
	if !strings.Contains(errs, "verify: 2 findings") {
		t.Errorf("no summary on stderr: %s", errs)
	}
}

// TestVerifySeededStoreThenEditedViews: a seeded store verifies clean, with
// progress and a rate; with no views yet it says so and still passes; a
// balance raised and a row deleted in the live views behind the engine's
// back are each named by table, key and column, exit 1.
func TestVerifySeededStoreThenEditedViews(t *testing.T) {
	env, cfg := verifyFixture(t, 30)
	code, out, errs := runIn(t, []string{"verify"}, env)
	if code != exitOK || !strings.Contains(out, "verify: clean — integrity ") || !strings.Contains(out, "refold 0") || !strings.Contains(out, "views 0") {
		t.Fatalf("a seeded store: exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"verify refold:", "verify wallets:", "events/s", `"msg":"verified"`, "events_per_second"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	views, err := sql.Open("sqlite", filepath.Join(cfg.DataDir, "views.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer views.Close()
	var deleted string
	if err := views.QueryRow(`SELECT min(product_id) FROM products`).Scan(&deleted); err != nil {
		t.Fatal(err)
	}
	execSQL(t, views, rowEdits...)
	code, out, errs = runIn(t, []string{"verify", "--only", "views", "--format", "jsonl"}, env)
	checkRowEdits(t, code, out, errs, deleted)
	matches, _ := filepath.Glob(filepath.Join(cfg.DataDir, "verify", "*"))
	if len(matches) != 0 {
		t.Errorf("the scratch databases were left behind: %v", matches)
	}
	// Only the wallets: the product's row is not looked at.
	code, out, _ = runIn(t, []string{"verify", "--only", "views", "--projector", "wallets"}, env)
	if code != exitFailure || !strings.Contains(out, "wallets [wallet_id=\"w-1\"]: available is \"2001\" live, \"2000\" rebuilt") ||
		strings.Contains(out, "products") {
		t.Errorf("--projector wallets: %d\n%s", code, out)
	}

	fresh := map[string]string{"SOUQ_DATA_DIR": t.TempDir(), "SOUQ_LOG_FORMAT": "json"}
	if code, _, errs := runIn(t, []string{"seed", "--products", "3"}, fresh); code != exitOK {
		t.Fatal(errs)
	}
	if code, out, errs := runIn(t, []string{"verify"}, fresh); code != exitOK || !strings.Contains(errs, "no read models at") {
		t.Errorf("no views yet: %d\n%s\n%s", code, out, errs)
	}
}

// TestVerifyNamesEventsThatDoNotFold edits the SQLite file under the store:
// one event's type changed to another aggregate's, and an event of a type
// nobody registered appended. The re-fold names both by position.
func TestVerifyNamesEventsThatDoNotFold(t *testing.T) {
	env, cfg := verifyFixture(t, 5)
	ctx := context.Background()
	st, err := openStore(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.Append(ctx, "wallet-w-0", eventstore.Any, []eventstore.EventData{{
		ID: "6f1c2b8e-2a4d-4c55-9e0a-3f7b1d9c8e21", Type: "wallet.teleported", SchemaVersion: 1, Data: json.RawMessage(`{}`),
	}})
	_ = st.Close()
	if err != nil {
		t.Fatal(err)
	}
	events, err := sql.Open("sqlite", filepath.Join(cfg.DataDir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	var edited uint64
	if err := events.QueryRow(`SELECT min(position) FROM events WHERE stream_id LIKE 'vendor-%' AND stream_revision = 1`).Scan(&edited); err != nil {
		t.Fatal(err)
	}
	execSQL(t, events, fmt.Sprintf(`UPDATE events SET type = 'wallet.credited' WHERE position = %d`, edited))

	code, out, errs := runIn(t, []string{"verify", "--only", "refold", "--format", "jsonl"}, env)
	got := map[uint64]string{}
	for _, f := range findings(t, out) {
		got[f.Position] = f.Kind
	}
	if code != exitFailure || len(got) != 2 || got[edited] != "refused" || got[uint64(res.Position)] != "unknown-type" {
		t.Fatalf("exit %d, %v; want position %d refused and %d an unknown type\n%s\n%s", code, got, edited, res.Position, out, errs)
	}
	code, out, _ = runIn(t, []string{"verify", "--only", "refold"}, env)
	if code != exitFailure || !strings.Contains(out, fmt.Sprintf("refold     position %d (vendor-", edited)) ||
		!strings.Contains(out, "vendor streams do not apply wallet.credited events") {
		t.Errorf("the line for the edited event:\n%s", out)
	}
}

// TestVerifyNamesTamperedEventsByPosition edits the SQLite file under the
// store — one event's payload changed, one deleted, the payloads of two
// exchanged — and souq verify names each by its position through the
// store's hash chain.
func TestVerifyNamesTamperedEventsByPosition(t *testing.T) {
	cases := []struct {
		name  string
		edits func(a, b uint64) []string
		want  func(a, b uint64) map[uint64]string
	}{
		{"edited", func(a, _ uint64) []string {
			return []string{fmt.Sprintf(`UPDATE events SET data = data || ' ' WHERE position = %d`, a)}
		}, func(a, _ uint64) map[uint64]string { return map[uint64]string{a: eventstore.IntegrityEdited} }},
		{"deleted", func(a, _ uint64) []string {
			return []string{fmt.Sprintf(`DELETE FROM events WHERE position = %d`, a)}
		}, func(a, _ uint64) map[uint64]string { return map[uint64]string{a: eventstore.IntegrityMissing} }},
		{"two exchanged", func(a, b uint64) []string {
			return []string{fmt.Sprintf(`UPDATE events SET data = CASE position WHEN %[1]d THEN (SELECT data FROM events WHERE position = %[2]d)
				ELSE (SELECT data FROM events WHERE position = %[1]d) END WHERE position IN (%[1]d, %[2]d)`, a, b)}
		}, func(a, _ uint64) map[uint64]string {
			// The first of the two fails its own hash: what it holds now
			// is another event's content.
			return map[uint64]string{a: eventstore.IntegrityEdited}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env, cfg := verifyFixture(t, 5)
			st, err := openStore(context.Background(), cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			_, chained := backend(st).(eventstore.IntegrityVerifier)
			_ = st.Close()
			if !chained {
				t.Fatal("the SQLite store keeps no hash chain (eventstore.IntegrityVerifier)")
			}
			events, err := sql.Open("sqlite", filepath.Join(cfg.DataDir, "events.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer events.Close()
			// The openings of two wallets: same type, other streams.
			var a, b uint64
			if err := events.QueryRow(`SELECT min(position), max(position) FROM events WHERE type = 'wallet.opened' AND stream_id IN ('wallet-w-0', 'wallet-w-2')`).Scan(&a, &b); err != nil {
				t.Fatal(err)
			}
			for _, q := range c.edits(a, b) {
				if _, err := events.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			code, out, errs := runIn(t, []string{"verify", "--only", "integrity", "--format", "jsonl"}, env)
			got := map[uint64]string{}
			for _, f := range findings(t, out) {
				if _, seen := got[f.Position]; !seen && f.Pass == "integrity" {
					got[f.Position] = f.Kind
				}
			}
			for pos, kind := range c.want(a, b) {
				if got[pos] != kind {
					t.Errorf("position %d: %q, want %q (found %v)", pos, got[pos], kind, got)
				}
			}
			if code != exitFailure {
				t.Errorf("exit %d, want %d\n%s\n%s", code, exitFailure, out, errs)
			}
		})
	}
}

// TestVerifyOnPostgres: the event store and the views in PostgreSQL
// schemas of their own; a seeded store verifies clean, then the same edits
// of the views are named, the scratch schema is dropped, and an event
// edited in the events table is named by its position.
func TestVerifyOnPostgres(t *testing.T) {
	url, events := pgtest.Schema(t, "souq_verify_events")
	_, views := pgtest.Schema(t, "souq_verify_views")
	env, cfg := verifyFixture(t, 20, "SOUQ_EVENTSTORE", "postgres", "SOUQ_POSTGRES_URL", url, "SOUQ_POSTGRES_SCHEMA", events,
		"SOUQ_VIEWS", "postgres", "SOUQ_VIEWS_SCHEMA", views)
	code, out, errs := runIn(t, []string{"verify"}, env)
	if code != exitOK || !strings.Contains(out, "verify: clean") {
		t.Fatalf("a seeded store on PostgreSQL: exit %d\n%s\n%s", code, out, errs)
	}
	w, r, err := openPostgresViews(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close(); _ = w.Close() }()
	var deleted string
	if err := w.QueryRow(`SELECT min(product_id) FROM products`).Scan(&deleted); err != nil {
		t.Fatal(err)
	}
	execSQL(t, w, rowEdits...)
	code, out, errs = runIn(t, []string{"verify", "--only", "views", "--format", "jsonl"}, env)
	checkRowEdits(t, code, out, errs, deleted)
	used := regexp.MustCompile(`"scratch":"schema (souq_verify_[a-z0-9]+)"`).FindStringSubmatch(errs)
	if used == nil {
		t.Fatalf("the log does not say where the views were rebuilt:\n%s", errs)
	}
	var left int
	if err := w.QueryRow(`SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1`, used[1]).Scan(&left); err != nil || left != 0 {
		t.Errorf("the scratch schema %s was left behind (%v)", used[1], err)
	}

	// An event's payload edited in the table: named with its position.
	var edited uint64
	if err := w.QueryRow(`SELECT min(position) FROM ` + events + `.events WHERE stream_id = 'wallet-w-2'`).Scan(&edited); err != nil {
		t.Fatal(err)
	}
	execSQL(t, w, fmt.Sprintf(`UPDATE %s.events SET data = (data::text || ' ')::json WHERE position = %d`, events, edited))
	code, out, errs = runIn(t, []string{"verify", "--only", "integrity", "--format", "jsonl"}, env)
	fs := findings(t, out)
	if code != exitFailure || len(fs) == 0 || fs[0].Position != edited || fs[0].Kind != eventstore.IntegrityEdited {
		t.Fatalf("an edited event on PostgreSQL: exit %d, %+v; want position %d edited\n%s", code, fs, edited, errs)
	}
}

func TestVerifyCommandLine(t *testing.T) {
	for _, args := range [][]string{
		{"verify", "--only", "hashes"},
		{"verify", "--projector", "nobody"},
		{"verify", "--format", "xml"},
		{"verify", "--max-diffs", "0"},
		{"verify", "--max-diffs"},
		{"verify", "--frobnicate"},
	} {
		if code, _, _ := runIn(t, args, map[string]string{"SOUQ_DATA_DIR": t.TempDir()}); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	// A store that cannot open: 2 as well, never 1 (which means findings).
	if code, _, _ := runIn(t, []string{"verify"}, map[string]string{"SOUQ_DATA_DIR": t.TempDir(), "SOUQ_EVENTSTORE": "postgres",
		"SOUQ_POSTGRES_URL": "postgres://nobody@127.0.0.1:1/none?connect_timeout=1"}); code != exitCannotVerify {
		t.Errorf("an unreachable store: exit %d, want %d", code, exitCannotVerify)
	}
	if code, out, _ := runIn(t, []string{"verify", "--help"}, nil); code != exitOK || !strings.Contains(out, "Usage: souq verify") {
		t.Errorf("--help: %d\n%s", code, out)
	}
}

// BenchmarkVerify measures souq verify over a seeded SQLite store: the
// catalog of `souq seed --products` (VERIFY_BENCH_PRODUCTS, default 1,000)
// and a marketplace history of orders, payments and payouts
// (VERIFY_BENCH_ORDERS, default 2,000), every view projected. Reported per
// pass and for the whole run in log events per second, beside the
// baseline measured in the same iteration: one plain ReadAll scan of the
// log. Run it with -benchtime=1x.
func BenchmarkVerify(b *testing.B) {
	products, orders := envInt("VERIFY_BENCH_PRODUCTS", 1000), envInt("VERIFY_BENCH_ORDERS", 2000)
	env := map[string]string{"SOUQ_DATA_DIR": b.TempDir(), "SOUQ_LOG_FORMAT": "json", "SOUQ_LOG_LEVEL": "warn"}
	cli := func(args ...string) {
		var out, errs strings.Builder
		if code := run(context.Background(), environment{args: args, getenv: func(k string) string { return env[k] },
			stdout: &out, stderr: &errs}); code != exitOK {
			b.Fatalf("%v: exit %d\n%s\n%s", args, code, out.String(), errs.String())
		}
	}
	cli("seed", "--products", fmt.Sprint(products))
	cfg, err := config.Load(config.Source{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	market.History(b, st, 11, orders)
	head, err := st.Head(ctx)
	if err != nil {
		b.Fatal(err)
	}
	projectViews(b, cfg, st)
	events := float64(head)
	timed := func(f func()) float64 { t := time.Now(); f(); return events / time.Since(t).Seconds() }
	var scan, integrity, refold, views, all float64
	for b.Loop() {
		scan = timed(func() {
			for after := eventstore.Start; after < head; {
				page, err := st.ReadAll(ctx, after, eventstore.DefaultPage)
				if err != nil || len(page) == 0 {
					b.Fatal(err)
				}
				after = page[len(page)-1].Position
			}
		})
		integrity = timed(func() { cli("verify", "--only", "integrity") })
		refold = timed(func() { cli("verify", "--only", "refold") })
		views = timed(func() { cli("verify", "--only", "views") })
		all = timed(func() { cli("verify") })
	}
	_ = st.Close()
	b.ReportMetric(events, "events")
	b.ReportMetric(scan, "scan_ev/s")
	b.ReportMetric(integrity, "integrity_ev/s")
	b.ReportMetric(refold, "refold_ev/s")
	b.ReportMetric(views, "views_ev/s")
	b.ReportMetric(all, "verify_ev/s")
	b.ReportMetric(all/scan, "verify/scan")
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
