package viewtest

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/testenv"
	"github.com/souq-market/souq/projections"
)

// DB is one test's read-model database: W for the runner (on SQLite one
// connection, its single writer), R for readers, as the read API has them.
type DB struct {
	Name    string
	Dialect projections.Dialect
	W, R    *sql.DB
}

// Rebind is the dialect's parameter rewriting, as readers take it.
func (d DB) Rebind(q string) string { return d.Dialect.Rebind(q) }

// Each runs f on SQLite, and on PostgreSQL when it is reachable (skipped, or
// failed under SOUQ_TEST_REQUIRE=postgres, when not).
func Each(t *testing.T, f func(t *testing.T, db DB)) {
	t.Run("sqlite", func(t *testing.T) { f(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, Postgres(t)) })
}

// SQLite opens a fresh file in the test's temp dir.
func SQLite(t testing.TB) DB {
	dsn := filepath.Join(t.TempDir(), "views.db") + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close(); _ = w.Close() })
	return DB{Name: "sqlite", Dialect: projections.SQLite(), W: w, R: r}
}

// Postgres makes a schema of the test's own, dropped when it ends.
func Postgres(t testing.TB) DB {
	url := testenv.URL(t, testenv.Postgres)
	b := make([]byte, 6)
	_, _ = crand.Read(b)
	schema := "view_test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	dsn := url + sep + "search_path=" + schema
	w, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	w.SetMaxOpenConns(4)
	r, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = r.Close()
		_ = w.Close()
		if _, err := admin.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		_ = admin.Close()
	})
	return DB{Name: "postgres", Dialect: projections.Postgres(), W: w, R: r}
}

// History appends domain events to a store, one event per append, with
// RecordedAt one second apart from a fixed start, so two histories built
// alike are alike.
type History struct {
	t     testing.TB
	reg   *eventstore.Registry
	Store *memory.Store
	n     int
	at    time.Time
}

// NewHistory starts an empty history on a memory store.
func NewHistory(t testing.TB, reg *eventstore.Registry) *History {
	return &History{t: t, reg: reg, Store: NewStore(t), at: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
}

// NewStore is a memory store that follows quickly.
func NewStore(t testing.TB) *memory.Store {
	st := memory.New(memory.Options{Follow: eventstore.FollowOptions{Poll: 10 * time.Millisecond, BatchSize: 64}})
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// At is the time the next event is recorded at.
func (h *History) At() time.Time { return h.at }

// Add appends e to stream and returns where it landed.
func (h *History) Add(stream string, e domain.Event) eventstore.Position {
	h.t.Helper()
	h.n++
	ev, err := h.reg.NewEvent(uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "viewtest/%d", h.n)).String(), e,
		eventstore.Metadata{CommandID: fmt.Sprintf("cmd-%d", h.n), Actor: eventstore.Actor{UserID: "u-test", Role: "admin"}, RecordedAt: h.at})
	if err != nil {
		h.t.Fatal(err)
	}
	h.at = h.at.Add(time.Second)
	res, err := h.Store.Append(context.Background(), stream, eventstore.Any, []eventstore.EventData{ev})
	if err != nil {
		h.t.Fatalf("append %s to %s: %v", e.EventType(), stream, err)
	}
	return res.Position
}

// Events reads the whole history.
func Events(t testing.TB, st eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	var out []eventstore.RecordedEvent
	for after := eventstore.Position(0); ; {
		evs, err := st.ReadAll(context.Background(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		out = append(out, evs...)
		after = evs[len(evs)-1].Position
	}
}

// Interleave copies a history into a new store in another global order: a
// random interleaving of its streams, each stream's own order kept. Event
// IDs and metadata stay; positions change. A view whose rows depend only on
// each aggregate's order ends the same.
func Interleave(t testing.TB, st eventstore.Store, seed uint64) *memory.Store {
	t.Helper()
	byStream := map[string][]eventstore.RecordedEvent{}
	var streams []string
	for _, ev := range Events(t, st) {
		if _, ok := byStream[ev.StreamID]; !ok {
			streams = append(streams, ev.StreamID)
		}
		byStream[ev.StreamID] = append(byStream[ev.StreamID], ev)
	}
	rnd := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := NewStore(t)
	for len(streams) > 0 {
		i := rnd.IntN(len(streams))
		s := streams[i]
		ev := byStream[s][0]
		byStream[s] = byStream[s][1:]
		if len(byStream[s]) == 0 {
			streams = append(streams[:i], streams[i+1:]...)
		}
		_, err := out.Append(context.Background(), s, eventstore.Any, []eventstore.EventData{{
			ID: ev.ID, Type: ev.Type, SchemaVersion: ev.SchemaVersion, Data: ev.Data, Metadata: ev.Metadata,
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// Redelivering wraps a store so that every subscription hands over each
// batch together with a random run of events it already delivered, and
// starts over from the beginning once it reached the head: the duplicated,
// overlapping deliveries of a flaky broker or a resubscription.
type Redelivering struct {
	eventstore.Store
	Seed uint64
}

// Subscribe delivers the whole history twice, in overlapping batches of
// random size, then follows the store.
func (r Redelivering) Subscribe(ctx context.Context, after eventstore.Position, handle func([]eventstore.RecordedEvent) error) error {
	rnd := rand.New(rand.NewPCG(r.Seed, uint64(after)))
	for round := 0; round < 2; round++ {
		var all []eventstore.RecordedEvent
		for p := after; ; {
			evs, err := r.Store.ReadAll(ctx, p, 500)
			if err != nil {
				return err
			}
			if len(evs) == 0 {
				break
			}
			all = append(all, evs...)
			p = evs[len(evs)-1].Position
		}
		for i := 0; i < len(all); {
			n := 1 + rnd.IntN(40)
			back := rnd.IntN(i + 1) // re-send up to everything already sent
			end := min(len(all), i+n)
			if err := handle(all[i-back : end]); err != nil {
				return err
			}
			i = end
		}
	}
	return r.Store.Subscribe(ctx, after, handle)
}

// Project runs projectors over st until each caught up with its head, then
// stops them.
func Project(t testing.TB, db DB, st eventstore.Store, ps ...projections.Projector) *projections.Runner {
	t.Helper()
	r, err := projections.New(context.Background(), projections.Options{
		DB: db.W, Dialect: db.Dialect, Store: st, BatchSize: 50,
		Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
	}, ps...)
	if err != nil {
		t.Fatal(err)
	}
	CatchUp(t, r, st)
	return r
}

// CatchUp runs r until every projector reached st's head, then stops it.
// A parked event fails the test: a view must handle its whole history.
func CatchUp(t testing.TB, r *projections.Runner, st eventstore.Store) {
	t.Helper()
	head, err := st.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer wcancel()
	for _, name := range r.Names() {
		if err := r.WaitFor(wctx, name, head); err != nil {
			cancel()
			<-done
			t.Fatalf("%s did not reach %d: %v", name, head, err)
		}
	}
	cancel()
	<-done
	for _, name := range r.Names() {
		parked, err := r.Parked(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range parked {
			t.Errorf("%s parked event %d (%s of %s): %s", name, p.Position, p.Type, p.Stream, p.Error)
		}
	}
}

// Dump renders the rows each query returns, one line per row, so two
// runs of a view compare as strings. Each query should name its columns
// and order its rows fully.
func Dump(t testing.TB, db *sql.DB, queries ...string) string {
	t.Helper()
	var b strings.Builder
	for _, q := range queries {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		fmt.Fprintf(&b, "## %s\n", q)
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if i > 0 {
					b.WriteByte('|')
				}
				switch v := v.(type) {
				case []byte:
					b.Write(v)
				case nil:
					b.WriteString("NULL")
				default:
					fmt.Fprint(&b, v)
				}
			}
			b.WriteByte('\n')
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return b.String()
}

// Same fails when two dumps differ, showing the first differing line.
func Same(t testing.TB, what, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Fatalf("%s: line %d differs:\n got  %s\n want %s", what, i+1, gl, wl)
		}
	}
}

// Fresh is another empty database of the same kind as db.
func Fresh(t testing.TB, db DB) DB {
	if db.Name == "postgres" {
		return Postgres(t)
	}
	return SQLite(t)
}

// Registry registers the given domain events under their wire names, as
// commands.NewRegistry does for all of them (which this package may not
// import), with the same upcasters.
func Registry(lists ...[]domain.Event) *eventstore.Registry {
	r := eventstore.NewRegistry()
	for _, l := range lists {
		for _, e := range l {
			r.RegisterValue(e, e.EventType(), e.SchemaVersion(), upcasters[e.EventType()]...)
		}
	}
	return r
}

// upcasters are commands.upcasters again: an event type past version 1
// missing here makes Registry panic on registration, so they cannot drift
// apart unnoticed.
var upcasters = map[string][]eventstore.UpcastStep{
	product.TypeDelisted: {{From: 1, Fn: product.UpcastDelistedV1}},
	order.TypePlaced:     {{From: 1, Fn: order.UpcastPlacedV1}},
}

// Prove is the replay contract of an SQL view: projected from st once (into
// db, which it leaves for the caller to inspect), rebuilt from position
// zero, fed the whole history twice in overlapping duplicate batches, and
// fed other interleavings of its aggregates, it always ends with the same
// rows. dump renders a database's rows, leaving out what depends on global
// positions.
func Prove(t *testing.T, db DB, st eventstore.Store, newProjector func() projections.Projector, dump func(DB) string) {
	t.Helper()
	p := newProjector()
	r := Project(t, db, st, p)
	once := dump(db)
	if err := r.Rebuild(context.Background(), p.Name(), nil); err != nil {
		t.Fatal(err)
	}
	Same(t, "after a rebuild", dump(db), once)
	for seed := range uint64(3) {
		other := Fresh(t, db)
		Project(t, other, Redelivering{Store: st, Seed: seed}, newProjector())
		Same(t, fmt.Sprintf("redelivered (seed %d)", seed), dump(other), once)

		other = Fresh(t, db)
		Project(t, other, Interleave(t, st, seed), newProjector())
		Same(t, fmt.Sprintf("interleaving %d", seed), dump(other), once)
	}
}
