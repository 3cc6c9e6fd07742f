package orders_test

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/testenv"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/orders"
	"github.com/souq-market/souq/projections/viewtest"
)

const (
	killEvents = 6000
	killSeed   = 9
	childEnv   = "ORDERS_KILL_CHILD_DSN"
)

// TestKilledProjector runs the orders projector in a child process (this
// test binary again) on PostgreSQL, SIGKILLs it while it projects a history
// of interleaved checkouts, and checks that (1) what it left is exactly the
// view of the events up to its stored checkpoint, no half batch, and (2) a
// restarted runner ends with every row, column for column, equal to a fresh
// projection into another schema.
func TestKilledProjector(t *testing.T) {
	if dsn := os.Getenv(childEnv); dsn != "" {
		killChild(t, dsn)
		return
	}
	url := testenv.URL(t, testenv.Postgres)
	db, dsn := schema(t, url)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledProjector$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+dsn)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once it has committed some batches: it is then, nearly
	// always, inside the transaction of the next one.
	deadline := time.Now().Add(2 * time.Minute)
	for checkpoint(db) < 1000 {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the child never reached position 1000:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Success() {
		t.Fatalf("child: %v, want killed\n%s", err, out.String())
	}
	at := checkpoint(db)
	if at >= killEvents {
		t.Fatalf("the child finished (%d) before it was killed: make the history longer", at)
	}
	t.Logf("killed at checkpoint %d of %d", at, killEvents)

	// (1) The rows left are the view of exactly the first `at` events.
	prefix := memory.New(memory.Options{})
	t.Cleanup(func() { _ = prefix.Close() })
	market(t, prefix, int(at), killSeed)
	want := viewtest.Postgres(t)
	viewtest.Project(t, want, prefix, orders.New(registry()))
	viewtest.Same(t, "left by the killed child", fullDump(t, db), fullDump(t, want.R))

	// (2) Restarted, it ends where a fresh projection of everything does.
	st := memory.New(memory.Options{})
	t.Cleanup(func() { _ = st.Close() })
	market(t, st, killEvents, killSeed)
	r, err := projections.New(context.Background(), projections.Options{DB: db, Dialect: projections.Postgres(), Store: st,
		Logger: slog.New(slog.DiscardHandler)}, orders.New(registry()))
	if err != nil {
		t.Fatal(err)
	}
	viewtest.CatchUp(t, r, st)
	fresh := viewtest.Postgres(t)
	viewtest.Project(t, fresh, st, orders.New(registry()))
	viewtest.Same(t, "restarted after the kill", fullDump(t, db), fullDump(t, fresh.R))
}

// killChild projects the history until it is killed.
func killChild(t *testing.T, dsn string) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	st := memory.New(memory.Options{})
	market(t, st, killEvents, killSeed)
	r, err := projections.New(context.Background(), projections.Options{DB: db, Dialect: projections.Postgres(), Store: st,
		Logger: slog.New(slog.DiscardHandler)}, orders.New(registry()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_ = r.Run(ctx)
}

// schema makes a PostgreSQL schema of the test's own, dropped at its end,
// and returns a pool on it and its DSN for the child.
func schema(t *testing.T, url string) (*sql.DB, string) {
	b := make([]byte, 6)
	_, _ = crand.Read(b)
	name := "orders_kill_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatal(err)
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	dsn := url + sep + "search_path=" + name
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = db.Close()
		if _, err := admin.Exec("DROP SCHEMA IF EXISTS " + name + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
		_ = admin.Close()
	})
	return db, dsn
}

// checkpoint is the orders projector's stored position, 0 before the child
// created its tables.
func checkpoint(db *sql.DB) int64 {
	var pos int64
	_ = db.QueryRow(`SELECT position FROM souq_projection_checkpoints WHERE name = 'orders'`).Scan(&pos)
	return pos
}

// fullDump is every column of every row of the view, positions included:
// both sides were fed the same history in the same global order.
func fullDump(t *testing.T, db *sql.DB) string {
	return viewtest.Dump(t, db,
		`SELECT * FROM orders ORDER BY order_id`,
		`SELECT * FROM order_suborders ORDER BY order_id, sub_order_id`,
		`SELECT * FROM order_payments ORDER BY payment_id`,
		`SELECT * FROM order_shipments ORDER BY shipment_id`,
		`SELECT * FROM order_timeline ORDER BY order_id, event_id`)
}
