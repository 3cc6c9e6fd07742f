package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/testenv/pgtest"
)

// Layla's personal data, which forget must leave nowhere in plaintext, and
// Omar's, which it must leave alone.
var (
	laylaPII = []string{"layla.haddad@example.ae", "Layla Haddad", "+971 50 765 4321", "Villa 77, Al Wasl Road", "Apartment 1204"}
	omarPII  = []string{"omar.saeed@example.ae", "Omar Saeed"}
)

// TestForgetEndToEnd: on the embedded default (SQLite events, SQLite read
// models, Bleve index), a customer registers, adds two addresses and
// places an order through the APIs; their data is readable (integration
// feed, audit history) before `souq forget`, and after it reads as erased
// while another customer's does not; orders and KPIs are the same before
// and after; and no byte of their name, phone, email or address line is
// left in any file of the data dir; souq verify still passes.
func TestForgetEndToEnd(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SOUQ_DATA_DIR": dir, "SOUQ_LOG_FORMAT": "json", "SOUQ_WRITE_ADDR": "127.0.0.1:0", "SOUQ_READ_ADDR": "127.0.0.1:0",
		"SOUQ_BCRYPT_COST": "10"}
	forgetScenario(t, env, func(t *testing.T, needle []byte) []string { return grepFiles(t, dir, needle) })
}

// TestForgetEndToEndPostgres: the same on PostgreSQL (events and read
// models), every row of every table of both schemas searched as text, with
// the data keys wrapped by a master key (the SQLite run stores them plain).
func TestForgetEndToEndPostgres(t *testing.T) {
	url, events := pgtest.Schema(t, "forget_events")
	_, views := pgtest.Schema(t, "forget_views")
	env := map[string]string{"SOUQ_DATA_DIR": t.TempDir(), "SOUQ_LOG_FORMAT": "json", "SOUQ_WRITE_ADDR": "127.0.0.1:0", "SOUQ_READ_ADDR": "127.0.0.1:0",
		"SOUQ_BCRYPT_COST": "10", "SOUQ_EVENTSTORE": "postgres", "SOUQ_POSTGRES_URL": url, "SOUQ_POSTGRES_SCHEMA": events, "SOUQ_VIEWS_SCHEMA": views,
		"SOUQ_PII_MASTER_KEY": "736f75712d746573742d7069692d6d61737465722d6b65792d33322d62797465"}
	forgetScenario(t, env, func(t *testing.T, needle []byte) []string {
		found := grepTables(t, url, events, needle)
		found = append(found, grepTables(t, url, views, needle)...)
		return append(found, grepFiles(t, env["SOUQ_DATA_DIR"], needle)...) // the search index
	})
}

func forgetScenario(t *testing.T, env map[string]string, grep func(*testing.T, []byte) []string) {
	ctx := context.Background()
	listProduct(t, env)
	addrs, stop := startInProcess(t, []string{"serve"}, env)
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	secret, err := auth.LoadOrCreateSecret(env["SOUQ_DATA_DIR"])
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewHMAC(secret, auth.Options{Issuer: "souq", Audience: "souq-api"})
	if err != nil {
		t.Fatal(err)
	}
	token := func(role auth.Role, user string) string {
		tok, err := signer.Sign(auth.Actor{UserID: user, Role: role, VendorID: user}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	w, r := "http://"+addrs["write"], "http://"+addrs["read"]
	anon := client{t, w, ""}
	phones := 0
	register := func(email, name string) string {
		phone := laylaPII[2]
		if phones++; phones > 1 {
			phone = fmt.Sprintf("+971 55 000 %04d", phones) // others' phones are not Layla's
		}
		resp, body := anon.do("POST", "/v1/auth/register", fmt.Sprintf(`{"email":%q,"password":"saffron and oud 2026","name":%q,"phone":%q,"locale":"en"}`, email, name, phone))
		if resp.StatusCode != 201 {
			t.Fatalf("register %s: %d %s", email, resp.StatusCode, body)
		}
		return regexp.MustCompile(`"user_id":"([^"]+)"`).FindStringSubmatch(body)[1]
	}
	layla, omar := register(laylaPII[0], laylaPII[1]), register(omarPII[0], omarPII[1])
	laylaW := client{t, w, token(auth.Customer, layla)}
	for i, line := range laylaPII[3:] {
		resp, body := laylaW.do("POST", "/v1/me/addresses", fmt.Sprintf(`{"address_id":"a-%d","recipient":%q,"phone":%q,"line1":%q,"city":"Dubai","country":"AE"}`,
			i, laylaPII[1], laylaPII[2], line))
		if resp.StatusCode != 201 && resp.StatusCode != 200 {
			t.Fatalf("add address: %d %s", resp.StatusCode, body)
		}
	}
	vendorW := client{t, w, token(auth.Vendor, "v-1")}
	if resp, body := vendorW.do("POST", "/v1/inventory/oud-50/receipts", `{"location":"main","quantity":10}`); resp.StatusCode != 200 {
		t.Fatalf("receive stock: %d %s", resp.StatusCode, body)
	}
	resp, body := laylaW.do("POST", "/v1/orders", `{"order_id":"o-1","country":"AE","payment_method":"cod","lines":[{"sku":"oud-50","quantity":2}]}`)
	if resp.StatusCode != 201 {
		t.Fatalf("checkout: %d %s", resp.StatusCode, body)
	}
	placed := resp.Header.Get("X-Souq-Position")
	laylaR, adminR := client{t, r, token(auth.Customer, layla)}, client{t, r, token(auth.Admin, "admin-1")}
	// The process managers confirm the order (cash on delivery: it stays
	// confirmed until shipped); then the read side stands still.
	var order string
	for i := 0; ; i++ {
		_, order = laylaR.do("GET", "/v1/orders/o-1", "")
		if strings.Contains(order, `"status":"confirmed"`) {
			break
		}
		if i == 300 {
			t.Fatalf("order o-1 not confirmed: %s", order)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The amounts: the process managers may still record a payment attempt
	// meanwhile, so what is compared is what forget could touch and must
	// not — orders, GMV, cancellations, and the order's lines and totals.
	kpis := func(pos string) string {
		resp, body := adminR.do("GET", "/v1/admin/kpis", "", "X-Souq-Min-Position", pos)
		if resp.StatusCode != 200 {
			t.Fatalf("kpis: %d %s", resp.StatusCode, body)
		}
		var rep struct {
			Totals []struct {
				Currency               string
				Orders, GMV, Cancelled int64
				AOV                    int64 `json:"average_order_value"`
				CancelledValue         int64 `json:"cancelled_value"`
			}
		}
		if err := json.Unmarshal([]byte(body), &rep); err != nil || len(rep.Totals) == 0 {
			t.Fatalf("kpis: %v %s", err, body)
		}
		return fmt.Sprintf("%+v", rep.Totals)
	}
	amounts := func(order string) string {
		var o struct {
			CustomerID string          `json:"customer_id"`
			Total      json.RawMessage `json:"total"`
			Totals     json.RawMessage `json:"totals"`
			Lines      json.RawMessage `json:"lines"`
			Items      int64           `json:"items"`
		}
		if err := json.Unmarshal([]byte(order), &o); err != nil || o.Total == nil {
			t.Fatalf("order: %v %s", err, order)
		}
		return fmt.Sprintf("%s %s %s %s %d", o.CustomerID, o.Total, o.Totals, o.Lines, o.Items)
	}
	feed := func() string {
		resp, body := adminR.do("GET", "/v1/integration-events?limit=1000", "")
		if resp.StatusCode != 200 {
			t.Fatalf("integration feed: %d %s", resp.StatusCode, body)
		}
		return body
	}
	audit := func(user string) string {
		var out bytes.Buffer
		if code := run(ctx, environment{args: []string{"audit", "stream", "user-" + user, "--format", "jsonl"}, getenv: func(k string) string { return env[k] },
			stdout: &out, stderr: io.Discard}); code != exitOK {
			t.Fatalf("souq audit stream: exit %d", code)
		}
		return out.String()
	}
	// The order's ship-to, as the auditors' export of the order's stream
	// reads it, and its totals.
	placedOrder := func() (shipTo map[string]string, totals string) {
		var out bytes.Buffer
		if code := run(ctx, environment{args: []string{"audit", "stream", "order-o-1", "--format", "jsonl"}, getenv: func(k string) string { return env[k] },
			stdout: &out, stderr: io.Discard}); code != exitOK {
			t.Fatalf("souq audit stream order-o-1: exit %d", code)
		}
		for line := range strings.SplitSeq(out.String(), "\n") {
			var row struct {
				Type string `json:"type"`
				Data struct {
					ShipTo map[string]string `json:"ship_to"`
					Totals json.RawMessage   `json:"totals"`
				} `json:"data"`
			}
			if json.Unmarshal([]byte(line), &row) == nil && row.Type == "order.placed" {
				return row.Data.ShipTo, string(row.Data.Totals)
			}
		}
		t.Fatalf("no order.placed in the audit of order-o-1:\n%.800s", out.String())
		return nil, ""
	}
	shipBefore, totalsBefore := placedOrder()
	if shipBefore["recipient"] != laylaPII[1] || shipBefore["phone"] != laylaPII[2] || shipBefore["line1"] != laylaPII[3] || shipBefore["city"] != "Dubai" {
		t.Fatalf("before forget, the order does not ship to Layla's default address: %v", shipBefore)
	}
	kpiBefore := kpis(placed)
	// Before: readable where souq shows it — the staff's integration feed
	// (user.registered) and the auditors' history.
	if f, a := feed(), audit(layla); !strings.Contains(f, laylaPII[0]) || !strings.Contains(a, laylaPII[3]) || !strings.Contains(a, laylaPII[2]) {
		t.Fatalf("before forget, Layla's data is not readable:\nfeed %.500s\naudit %.800s", f, a)
	}

	var out bytes.Buffer
	if code := run(ctx, environment{args: []string{"forget", layla, "--reason", "gdpr request 2026-114", "--by", "admin-1"},
		getenv: func(k string) string { return env[k] }, stdout: &out, stderr: &out}); code != exitOK {
		t.Fatalf("souq forget: exit %d: %s", code, out.String())
	}
	pos := regexp.MustCompile(`position (\d+)`).FindStringSubmatch(out.String())
	if pos == nil {
		t.Fatalf("souq forget said %q", out.String())
	}

	f, a := feed(), audit(layla)
	for _, p := range laylaPII {
		if strings.Contains(f, p) || strings.Contains(a, p) {
			t.Errorf("after forget %q is still readable", p)
		}
	}
	if !strings.Contains(f, "[erased]") || !strings.Contains(a, "[erased]") || !strings.Contains(a, "user.forgotten") {
		t.Errorf("after forget the history does not show the erasure:\n%.800s", a)
	}
	// Other services hear of it: user.erased, keyed by the ID, in the feed
	// the outbox publishes.
	if !regexp.MustCompile(`"type":"user.erased","schema_version":1,"key":"` + regexp.QuoteMeta(layla) + `"`).MatchString(f) {
		t.Errorf("the integration feed has no user.erased for %s:\n%.1500s", layla, f)
	}
	if !strings.Contains(f, omarPII[0]) || !strings.Contains(audit(omar), omarPII[1]) {
		t.Errorf("another customer's data was erased too")
	}
	shipAfter, totalsAfter := placedOrder()
	for _, f := range []string{"recipient", "phone", "line1"} {
		if shipAfter[f] != "[erased]" {
			t.Errorf("after forget the order's ship-to %s reads %q, not [erased]", f, shipAfter[f])
		}
	}
	if shipAfter["city"] != "Dubai" || shipAfter["country"] != "AE" || totalsAfter != totalsBefore {
		t.Errorf("forget changed what is not personal on the order: ship-to %v, totals %s (before %s)", shipAfter, totalsAfter, totalsBefore)
	}
	if after := kpis(pos[1]); after != kpiBefore {
		t.Errorf("KPIs changed with forget:\nbefore %s\nafter  %s", kpiBefore, after)
	}
	if resp, after := laylaR.do("GET", "/v1/orders/o-1", "", "X-Souq-Min-Position", pos[1]); resp.StatusCode != 200 || amounts(after) != amounts(order) {
		t.Errorf("the order's amounts changed with forget: %d\nbefore %s\nafter  %s", resp.StatusCode, order, after)
	}
	// (That the email is free again for a new account is commands/user's
	// test: a new account would put it back in the users view, rightly.)

	if code := stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	stopped = true
	for _, p := range laylaPII {
		if found := grep(t, []byte(p)); len(found) > 0 {
			t.Errorf("%q is left in plaintext in %v", p, found)
		}
	}
	// The search works: what is not personal is found in plaintext.
	if found := grep(t, []byte("Oud Royal")); len(found) == 0 {
		t.Error("the grep found not even the product's name: it searches nothing")
	}
	// The log still verifies: hash chains (forget changed no stored byte),
	// every stream re-folded (erased fields still decode), every view
	// rebuilt equal to the live one.
	var verified bytes.Buffer
	if code := run(ctx, environment{args: []string{"verify"}, getenv: func(k string) string { return env[k] }, stdout: &verified, stderr: &verified}); code != exitOK ||
		strings.Contains(verified.String(), "not checked") {
		t.Errorf("souq verify after forget: exit %d\n%s", code, verified.String())
	}
}

// listProduct lists p-1 (SKU oud-50) of vendor v-1 in the configured store
// before souq starts: vendor onboarding is not this test's subject.
func listProduct(t *testing.T, env map[string]string) {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(config.Source{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(ctx, cfg, newLogger(io.Discard, cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	x := commands.NewExecutor(st, commands.NewRegistry(), commands.Options{})
	aed, _ := domain.New(25000, domain.AED)
	stream, _ := commands.ProductStream("p-1")
	if _, err := commands.Execute(ctx, x, commands.Meta{Actor: eventstore.Actor{UserID: "v-1", Role: "vendor"}},
		commands.Step[*product.Product]{Stream: stream, New: func() *product.Product { return product.New("p-1") },
			Decide: func(p *product.Product) error {
				return p.List(product.List{VendorID: "v-1", Details: product.Details{
					Name: product.Name{English: "Oud Royal", Arabic: "عود"}, Brand: "Souq", Category: product.Oud,
					Gender: product.Unisex, Origin: product.Original,
				}, Variants: []product.Variant{{SKU: "oud-50", SizeML: 50, Prices: map[domain.Currency]domain.Money{domain.AED: aed}}}}, time.Now())
			}}); err != nil {
		t.Fatal(err)
	}
}

// grepFiles names the files under dir holding needle, as UTF-8 or as the
// UTF-16 some stores use.
func grepFiles(t *testing.T, dir string, needle []byte) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			return nil // a -shm or -wal file removed as its database closed
		}
		if err != nil {
			return err
		}
		if i := bytes.Index(b, needle); i >= 0 {
			around := b[max(0, i-80):min(len(b), i+len(needle)+80)]
			found = append(found, fmt.Sprintf("%s at %d: %q", path, i, around))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// grepTables names the tables of schema with a row holding needle in its
// text form (or, for byte columns, in hex).
func grepTables(t *testing.T, url, schema string, needle []byte) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`, schema)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) == 0 {
		t.Fatalf("schema %s has no tables", schema)
	}
	var found []string
	for _, table := range tables {
		var n int
		q := `SELECT count(*) FROM ` + pgx.Identifier{schema, table}.Sanitize() + ` r WHERE strpos(r::text, $1) > 0 OR strpos(r::text, $2) > 0`
		if err := conn.QueryRow(ctx, q, string(needle), hex.EncodeToString(needle)).Scan(&n); err != nil {
			t.Fatalf("%s.%s: %v", schema, table, err)
		}
		if n > 0 {
			found = append(found, schema+"."+table)
		}
	}
	return found
}
