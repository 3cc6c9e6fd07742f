package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/postgres"
)

// benchEvents makes n order-like events with realistic metadata.
func benchEvents(n int) []eventstore.EventData {
	out := make([]eventstore.EventData, n)
	for i := range out {
		id := uuid.NewString()
		out[i] = eventstore.EventData{
			ID: id, Type: "order.placed", SchemaVersion: 1,
			Data: []byte(`{"order_id":"` + id + `","customer_id":"c-1029","currency":"AED","total_minor":125000,"lines":[{"sku":"OUD-50ML","qty":1,"price_minor":125000}]}`),
			Metadata: eventstore.Metadata{
				CommandID: uuid.NewString(), CorrelationID: id,
				Actor: eventstore.Actor{UserID: "u-77", Role: "customer"},
			},
		}
	}
	return out
}

// BenchmarkAppend measures the store against its baseline in the same run:
// bare INSERTs of the same rows into a table of the same kind (same columns,
// keys and indexes, created by the same migration in another schema), one
// transaction per command (one INSERT … SELECT FROM unnest statement in
// autocommit, the cheapest form), synchronous_commit on, the writers
// concurrent through a pool. The ratio is store / baseline events per second.
func BenchmarkAppend(b *testing.B) {
	for _, perCmd := range []int{1, 10} {
		for _, writers := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("events=%d/writers=%d", perCmd, writers), func(b *testing.B) {
				benchAppend(b, perCmd, writers)
			})
		}
	}
}

func benchAppend(b *testing.B, perCmd, writers int) {
	storeEnv, baseEnv := newEnv(b), newEnv(b)
	st := storeEnv.open(b, postgres.Options{})
	baseEnv.open(b, postgres.Options{}).Close() // the same tables, for the baseline
	pool, err := pgxpool.New(context.Background(), baseEnv.url+"&pool_max_conns="+fmt.Sprint(min(writers, 32)))
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	insert := `INSERT INTO ` + baseEnv.table("events") + ` (position, stream_id, stream_revision, event_id, type, schema_version, data, metadata, recorded_at)
SELECT p, s, r, e::uuid, t, v, d::json, m::json, a
FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::timestamptz[]) AS u(p, s, r, e, t, v, d, m, a)`

	// Commands are prepared up front so both sides pay only for storage.
	cmds := make([][]eventstore.EventData, b.N)
	for i := range cmds {
		cmds[i] = benchEvents(perCmd)
	}
	ctx := context.Background()
	var position atomic.Int64
	baseline := func(i int, stream string, rev int64) error {
		n := len(cmds[i])
		var (
			pos, revs           = make([]int64, n), make([]int64, n)
			streams, ids, types = make([]string, n), make([]string, n), make([]string, n)
			data, mds           = make([]string, n), make([]string, n)
			versions            = make([]int32, n)
			at                  = make([]time.Time, n)
			now                 = time.Now().UTC()
		)
		last := position.Add(int64(n))
		for j, e := range cmds[i] {
			md := e.Metadata
			md.RecordedAt = now
			mdJSON, _ := json.Marshal(md)
			pos[j], revs[j], streams[j], ids[j], types[j] = last-int64(n)+int64(j)+1, rev+int64(j), stream, e.ID, e.Type
			data[j], mds[j], versions[j], at[j] = string(e.Data), string(mdJSON), int32(e.SchemaVersion), now
		}
		_, err := pool.Exec(ctx, insert, pos, streams, revs, ids, types, versions, data, mds, at)
		return err
	}
	store := func(i int, stream string, rev int64) error {
		expected := eventstore.NoStream
		if rev > 0 {
			expected = eventstore.Exact(uint64(rev - 1))
		}
		_, err := st.Append(ctx, stream, expected, cmds[i])
		return err
	}
	// run spreads commands lo..hi-1 over the writers, each on its own
	// stream; revs holds each writer's stream revision across calls.
	run := func(name string, lo, hi int, revs []int64, do func(i int, stream string, rev int64) error) time.Duration {
		next := atomic.Int64{}
		next.Store(int64(lo))
		var wg sync.WaitGroup
		start := time.Now()
		for w := range writers {
			wg.Go(func() {
				stream := fmt.Sprintf("%s-writer-%d", name, w)
				for {
					i := int(next.Add(1) - 1)
					if i >= hi {
						return
					}
					if err := do(i, stream, revs[w]); err != nil {
						b.Error(err)
						return
					}
					revs[w] += int64(perCmd)
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	// The two sides take turns in rounds (the first one alternating), so
	// that both see the same load on a shared machine: run one after the
	// other, a burst of load during either skews the ratio.
	const rounds = 10
	baseRevs, storeRevs := make([]int64, writers), make([]int64, writers)
	var baseTime, storeTime time.Duration
	b.ResetTimer()
	for r := range rounds {
		lo, hi := b.N*r/rounds, b.N*(r+1)/rounds
		if r%2 == 0 {
			baseTime += run("base", lo, hi, baseRevs, baseline)
			storeTime += run("store", lo, hi, storeRevs, store)
		} else {
			storeTime += run("store", lo, hi, storeRevs, store)
			baseTime += run("base", lo, hi, baseRevs, baseline)
		}
	}
	b.StopTimer()
	events := float64(b.N * perCmd)
	baseRate, storeRate := events/baseTime.Seconds(), events/storeTime.Seconds()
	b.ReportMetric(storeRate, "store-ev/s")
	b.ReportMetric(baseRate, "base-ev/s")
	b.ReportMetric(storeRate/baseRate, "ratio")
}

// BenchmarkReadAll reads a prefilled $all from the start in pages of 1000,
// against a baseline of the same SELECT scanning raw columns without building
// envelopes (no metadata decoding), in the same run.
func BenchmarkReadAll(b *testing.B) {
	const total = 20000
	e := newEnv(b)
	st := e.open(b, postgres.Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for range total / 8 / 50 {
				if _, err := st.Append(ctx, fmt.Sprintf("read-%d", w), eventstore.Any, benchEvents(50)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if _, err := e.db.Exec(ctx, "VACUUM ANALYZE "+e.table("events")); err != nil {
		b.Fatal(err)
	}
	query := `SELECT position, stream_id, stream_revision, event_id::text, type, schema_version, data, metadata FROM ` + e.table("events") + ` WHERE position > $1 ORDER BY position LIMIT 1000`

	var storeTime, baseTime time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		n := 0
		for after := eventstore.Position(0); ; {
			page, err := st.ReadAll(ctx, after, 1000)
			if err != nil {
				b.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			n += len(page)
			after = page[len(page)-1].Position
		}
		storeTime += time.Since(start)
		if n != total {
			b.Fatalf("read %d events, want %d", n, total)
		}

		start = time.Now()
		for after := int64(0); ; {
			rows, err := e.db.Query(ctx, query, after)
			if err != nil {
				b.Fatal(err)
			}
			got := 0
			for rows.Next() {
				var (
					pos, rev        int64
					stream, id, typ string
					version         int32
					data, md        []byte
				)
				if err := rows.Scan(&pos, &stream, &rev, &id, &typ, &version, &data, &md); err != nil {
					b.Fatal(err)
				}
				after = pos
				got++
			}
			if rows.Err() != nil {
				b.Fatal(rows.Err())
			}
			if got == 0 {
				break
			}
		}
		baseTime += time.Since(start)
	}
	b.StopTimer()
	storeRate := float64(b.N*total) / storeTime.Seconds()
	baseRate := float64(b.N*total) / baseTime.Seconds()
	b.ReportMetric(storeRate, "store-ev/s")
	b.ReportMetric(baseRate, "base-ev/s")
	b.ReportMetric(storeRate/baseRate, "ratio")
}
