package projections_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/testenv"
	"github.com/souq-market/souq/projections"
)

// backend is one test's read-model database: db for the runner, rdb for
// readers (on SQLite another connection pool, as the read API would use).
type backend struct {
	name    string
	dialect projections.Dialect
	db, rdb *sql.DB
	// env locates the database for a child process.
	env []string
}

// backends runs f on SQLite always and on PostgreSQL when it is there.
func backends(t *testing.T, f func(t *testing.T, b backend)) {
	t.Run("sqlite", func(t *testing.T) { f(t, sqliteBackend(t, filepath.Join(t.TempDir(), "read.db"))) })
	t.Run("postgres", func(t *testing.T) {
		url := testenv.URL(t, testenv.Postgres)
		f(t, postgresBackend(t, url, newSchema(t, url)))
	})
}

func sqliteBackend(t testing.TB, path string) backend {
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // SQLite has one writer; queue in Go, not in busy waits
	rdb, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close(); _ = db.Close() })
	return backend{name: "sqlite", dialect: projections.SQLite(), db: db, rdb: rdb,
		env: []string{"PROJ_TEST_SQLITE=" + path}}
}

// newSchema makes a schema of the test's own, dropped when it ends.
func newSchema(t testing.TB, url string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "proj_test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		_ = admin.Close()
	})
	return schema
}

func postgresBackend(t testing.TB, url, schema string) backend {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	dsn := url + sep + "search_path=" + schema
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(8)
	rdb, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close(); _ = db.Close() })
	return backend{name: "postgres", dialect: projections.Postgres(), db: db, rdb: rdb,
		env: []string{"PROJ_TEST_PG_URL=" + url, "PROJ_TEST_PG_SCHEMA=" + schema}}
}

// counter is the test projector: events per stream, and where each row was
// first written (the live table or a rebuild's shadow).
type counter struct {
	name  string
	table string
	// fail, when set, may refuse an event.
	fail func(ev eventstore.RecordedEvent) error
	// hook, when set, runs after each row is written.
	hook func(ctx context.Context, ev eventstore.RecordedEvent)

	mu sync.Mutex
}

func newCounter(name string) *counter { return &counter{name: name, table: name} }

func (c *counter) Name() string { return c.name }

func (c *counter) Tables() []projections.Table {
	return []projections.Table{{Name: c.table, DDL: []string{
		fmt.Sprintf(`CREATE TABLE {%s} (stream TEXT PRIMARY KEY, n BIGINT NOT NULL, last_pos BIGINT NOT NULL, origin TEXT NOT NULL)`, c.table),
		fmt.Sprintf(`CREATE INDEX {%s}_by_n ON {%s} (n)`, c.table, c.table),
	}}}
}

func (c *counter) failer() func(eventstore.RecordedEvent) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fail
}

func (c *counter) setFail(f func(eventstore.RecordedEvent) error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fail = f
}

func (c *counter) HandleBatch(ctx context.Context, tx *projections.Tx, events []eventstore.RecordedEvent) error {
	q := fmt.Sprintf(`INSERT INTO {%s} (stream, n, last_pos, origin) VALUES (?, 1, ?, ?)
		ON CONFLICT (stream) DO UPDATE SET n = {%s}.n + 1, last_pos = excluded.last_pos`, c.table, c.table)
	for _, ev := range events {
		if f := c.failer(); f != nil {
			if err := f(ev); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, q, ev.StreamID, int64(ev.Position), tx.Table(c.table)); err != nil {
			return err
		}
		if c.hook != nil {
			c.hook(ctx, ev)
		}
	}
	return nil
}

func (c *counter) Reset(ctx context.Context, tx *projections.Tx) error {
	_, err := tx.Exec(ctx, fmt.Sprintf(`DELETE FROM {%s}`, c.table))
	return err
}

// rows reads a counter's table: stream → "n/last_pos".
func rows(t testing.TB, db *sql.DB, table string) map[string]string {
	t.Helper()
	rs, err := db.Query(`SELECT stream, n, last_pos FROM ` + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	out := map[string]string{}
	for rs.Next() {
		var s string
		var n, p int64
		if err := rs.Scan(&s, &n, &p); err != nil {
			t.Fatal(err)
		}
		out[s] = fmt.Sprintf("%d/%d", n, p)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// expected is what a counter holds after every event up to pos, skipping
// those skip refuses.
func expected(t testing.TB, st eventstore.Store, pos eventstore.Position, skip func(eventstore.RecordedEvent) bool) map[string]string {
	t.Helper()
	evs, err := st.ReadAll(context.Background(), 0, int(pos))
	if err != nil {
		t.Fatal(err)
	}
	n, last := map[string]int{}, map[string]eventstore.Position{}
	for _, ev := range evs {
		if ev.Position > pos || (skip != nil && skip(ev)) {
			continue
		}
		n[ev.StreamID]++
		last[ev.StreamID] = ev.Position
	}
	out := map[string]string{}
	for s := range n {
		out[s] = fmt.Sprintf("%d/%d", n[s], last[s])
	}
	return out
}

// seed appends n events spread over streams, with IDs derived from seed so
// that a child process can build the same history.
func seed(t testing.TB, st eventstore.Store, seed string, n, streams int, typ func(i int) string) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; {
		s := fmt.Sprintf("order-%d", i%streams)
		k := min(n-i, 1+i%3)
		batch := make([]eventstore.EventData, k)
		for j := range batch {
			ty := "order.touched"
			if typ != nil {
				ty = typ(i + j)
			}
			batch[j] = eventstore.EventData{
				ID:            uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "%s/%d", seed, i+j)).String(),
				Type:          ty,
				SchemaVersion: 1,
				Data:          []byte(fmt.Sprintf(`{"i":%d}`, i+j)),
				Metadata:      eventstore.Metadata{RecordedAt: time.Unix(1700000000, 0).Add(time.Duration(i+j) * time.Second)},
			}
		}
		if _, err := st.Append(ctx, s, eventstore.Any, batch); err != nil {
			t.Fatal(err)
		}
		i += k
	}
}

func newStore(t testing.TB) *memory.Store {
	st := memory.New(memory.Options{Follow: eventstore.FollowOptions{Poll: 20 * time.Millisecond, BatchSize: 200}})
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func newRunner(t testing.TB, b backend, st eventstore.Store, opts projections.Options, ps ...projections.Projector) *projections.Runner {
	t.Helper()
	opts.DB, opts.Dialect, opts.Store = b.db, b.dialect, st
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Backoff == 0 {
		opts.Backoff = time.Millisecond
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 5 * time.Millisecond
	}
	r, err := projections.New(context.Background(), opts, ps...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// start runs r until the test ends (or the returned stop is called).
func start(t testing.TB, r *projections.Runner) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

func head(t testing.TB, st eventstore.Store) eventstore.Position {
	t.Helper()
	h, err := st.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func waitFor(t testing.TB, r *projections.Runner, name string, pos eventstore.Position) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.WaitFor(ctx, name, pos); err != nil {
		t.Fatalf("wait for %s at %d: %v", name, pos, err)
	}
}

func equal(t testing.TB, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s: row %s = %q, want %q", what, k, got[k], v)
		}
	}
}
