package projections_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/souq-market/souq/internal/testenv"
	"github.com/souq-market/souq/projections"
)

// BenchmarkRebuild measures a full rebuild of the counter projector from N
// events (PROJ_BENCH_EVENTS, default 100,000) in the memory store, and in
// the same iteration the baseline: the same upserts, batched in
// transactions of the same size, issued directly without the runner.
// Reported: events/s of each and their ratio.
func BenchmarkRebuild(b *testing.B) {
	n := 100_000
	if s := os.Getenv("PROJ_BENCH_EVENTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	b.Run("sqlite", func(b *testing.B) { benchRebuild(b, sqliteBackend(b, filepath.Join(b.TempDir(), "read.db")), n) })
	b.Run("postgres", func(b *testing.B) {
		url := testenv.URL(b, testenv.Postgres)
		benchRebuild(b, postgresBackend(b, url, newSchema(b, url)), n)
	})
}

func benchRebuild(b *testing.B, be backend, n int) {
	const batch = 256
	st := newStore(b)
	seed(b, st, "bench", n, 1000, nil)
	all, err := st.ReadAll(context.Background(), 0, n)
	if err != nil {
		b.Fatal(err)
	}
	c := newCounter("counts")
	r := newRunner(b, be, st, projections.Options{BatchSize: batch}, c)
	ctx := context.Background()
	if _, err := be.db.Exec(`CREATE TABLE base (stream TEXT PRIMARY KEY, n BIGINT NOT NULL, last_pos BIGINT NOT NULL, origin TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	upsert := be.dialect.Rebind(`INSERT INTO base (stream, n, last_pos, origin) VALUES (?, 1, ?, ?)
		ON CONFLICT (stream) DO UPDATE SET n = base.n + 1, last_pos = excluded.last_pos`)
	var baseT, rebuildT time.Duration
	for b.Loop() {
		if _, err := be.db.Exec(`DELETE FROM base`); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		for i := 0; i < len(all); i += batch {
			tx, err := be.db.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for _, ev := range all[i:min(i+batch, len(all))] {
				if _, err := tx.ExecContext(ctx, upsert, ev.StreamID, int64(ev.Position), "base"); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		baseT += time.Since(t0)

		t0 = time.Now()
		if err := r.Rebuild(ctx, "counts", nil); err != nil {
			b.Fatal(err)
		}
		rebuildT += time.Since(t0)
	}
	same(b, be.db, "base", "counts")
	ev := float64(n) * float64(b.N)
	b.ReportMetric(ev/baseT.Seconds(), "insert-ev/s")
	b.ReportMetric(ev/rebuildT.Seconds(), "rebuild-ev/s")
	b.ReportMetric(baseT.Seconds()/rebuildT.Seconds(), "rebuild/insert")
	b.ReportMetric(0, "ns/op")
}

// same checks the baseline wrote the rows the rebuild did.
func same(b *testing.B, db *sql.DB, x, y string) {
	gx, gy := rows(b, db, x), rows(b, db, y)
	if len(gx) != len(gy) {
		b.Fatalf("%s has %d rows, %s %d", x, len(gx), y, len(gy))
	}
	for k, v := range gx {
		if gy[k] != v {
			b.Fatalf("row %s: %s %q, %s %q", k, x, v, y, gy[k])
		}
	}
}
