package orders_test

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/orders"
	"github.com/souq-market/souq/projections/viewtest"
)

// benchHistory is the generated history, built once per process and shared
// by every run of the benchmark (-count): building 1,000,000 events takes
// longer than rebuilding from them.
var benchHistory struct {
	once sync.Once
	n    int
	st   *memory.Store
}

// BenchmarkRebuild1M rebuilds the orders view through the runner from
// ORDERS_BENCH_EVENTS (default 1,000,000) checkout events held in the
// memory store, so the figure is the projector, the runner and the
// read-model database, not the event store. Baseline, in the same run: the
// view's final rows inserted into copies of its tables by bare multi-row
// INSERTs of 256 rows, one transaction each. Run with -benchtime 1x.
// ORDERS_BENCH_REBUILD_BATCH sets the rebuild's batch (Options.RebuildBatchSize).
func BenchmarkRebuild1M(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("ORDERS_BENCH_EVENTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	benchHistory.once.Do(func() {
		benchHistory.n, benchHistory.st = n, memory.New(memory.Options{})
		t0 := time.Now()
		market(b, benchHistory.st, n, 42)
		b.Logf("generated %d events in %s", n, time.Since(t0).Round(time.Millisecond))
	})
	st := benchHistory.st
	b.Run("postgres", func(b *testing.B) { benchRebuild(b, viewtest.Postgres(b), st, n) })
	b.Run("sqlite", func(b *testing.B) { benchRebuild(b, viewtest.SQLite(b), st, n) })
}

func benchRebuild(b *testing.B, db viewtest.DB, st *memory.Store, n int) {
	ctx := context.Background()
	// 0: the runner's defaults.
	bs, _ := strconv.Atoi(os.Getenv("ORDERS_BENCH_BATCH"))
	rbs, _ := strconv.Atoi(os.Getenv("ORDERS_BENCH_REBUILD_BATCH"))
	r, err := projections.New(ctx, projections.Options{DB: db.W, Dialect: db.Dialect, Store: st, BatchSize: bs,
		RebuildBatchSize: rbs, Logger: slog.New(slog.DiscardHandler)}, orders.New(registry()))
	if err != nil {
		b.Fatal(err)
	}
	tables := (&orders.Projector{}).Tables()
	var baseT, rebuildT time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := r.Rebuild(ctx, orders.Name, nil); err != nil {
			b.Fatal(err)
		}
		rebuildT += time.Since(t0)

		// The baseline writes what the rebuild produced, as fast as plain
		// batched inserts can.
		var copies []tableRows
		for _, t := range tables {
			copies = append(copies, readTable(b, db.W, t.Name))
		}
		for _, t := range tables {
			if _, err := db.W.Exec("DROP TABLE IF EXISTS " + t.Name + "_base"); err != nil {
				b.Fatal(err)
			}
			for _, ddl := range t.DDL {
				ddl = strings.ReplaceAll(ddl, "{"+t.Name+"}", t.Name+"_base")
				if _, err := db.W.Exec(ddl); err != nil {
					b.Fatal(err)
				}
			}
		}
		t0 = time.Now()
		for _, c := range copies {
			insertRows(b, db, c.name+"_base", c)
		}
		baseT += time.Since(t0)
		rows := 0
		for _, c := range copies {
			rows += len(c.rows)
		}
		b.ReportMetric(float64(rows), "rows")
	}
	ev := float64(n) * float64(b.N)
	b.ReportMetric(ev/baseT.Seconds(), "insert-ev/s")
	b.ReportMetric(ev/rebuildT.Seconds(), "rebuild-ev/s")
	b.ReportMetric(baseT.Seconds()/rebuildT.Seconds(), "rebuild/insert")
	b.ReportMetric(0, "ns/op")
}

type tableRows struct {
	name string
	cols []string
	rows [][]any
}

func readTable(b *testing.B, db *sql.DB, name string) tableRows {
	rows, err := db.Query("SELECT * FROM " + name)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	out := tableRows{name: name, cols: cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		out.rows = append(out.rows, vals)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}

// insertRows is the baseline: INSERT … VALUES of 256 rows per statement and
// transaction.
func insertRows(b *testing.B, db viewtest.DB, table string, t tableRows) {
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
	for i := 0; i < len(t.rows); i += 256 {
		chunk := t.rows[i:min(i+256, len(t.rows))]
		var q strings.Builder
		q.WriteString("INSERT INTO " + table + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
		args := make([]any, 0, len(chunk)*len(t.cols))
		for j, r := range chunk {
			if j > 0 {
				q.WriteString(", ")
			}
			q.WriteString(tuple)
			args = append(args, r...)
		}
		tx, err := db.W.Begin()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(db.Rebind(q.String()), args...); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
