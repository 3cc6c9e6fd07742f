package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/sqlite"
)

// baselineBudget bounds the bare-insert baseline, which commits (and so
// fsyncs) once per command and would otherwise take minutes for a b.N the
// store reaches in one second.
const baselineBudget = time.Second

// BenchmarkAppend measures appends through the store against a baseline run
// in the same benchmark: bare INSERTs of the same rows into the same events
// table (created by the same migration) with the same durability (WAL,
// synchronous=FULL), one transaction per command, the writers sharing one
// connection as SQLite allows one writer at a time.
func BenchmarkAppend(b *testing.B) {
	for _, perCommand := range []int{1, 10} {
		for _, writers := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("events=%d/writers=%d", perCommand, writers), func(b *testing.B) {
				benchAppend(b, perCommand, writers)
			})
		}
	}
}

func benchAppend(b *testing.B, perCommand, writers int) {
	ctx := context.Background()
	s := open(b, tempPath(b), sqlite.Options{})
	data := []byte(`{"order_id":"o-1","sku":"OUD-50ML","qty":1,"price":{"amount":45000,"currency":"AED"}}`)
	md := eventstore.Metadata{CommandID: "c", CorrelationID: "k", Actor: eventstore.Actor{UserID: "u", Role: "customer"}}
	batch := func() []eventstore.EventData {
		es := make([]eventstore.EventData, perCommand)
		for i := range es {
			es[i] = eventstore.EventData{ID: newID(), Type: "order.placed", SchemaVersion: 1, Data: data, Metadata: md}
		}
		return es
	}

	b.ResetTimer()
	start := time.Now()
	parallel(writers, int64(b.N), time.Duration(1<<62), func(w int) error {
		_, err := s.Append(ctx, fmt.Sprintf("order-%d", w), eventstore.Any, batch())
		return err
	}, b)
	storeRate := float64(b.N*perCommand) / time.Since(start).Seconds()
	b.StopTimer()

	// The baseline, in the same benchmark run.
	path := tempPath(b)
	open(b, path, sqlite.Options{}).Close() // the same schema, by the same migration
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ins, err := db.Prepare(`INSERT INTO events (stream_id, stream_revision, event_id, type, schema_version, data, metadata, recorded_at)
		VALUES (?, (SELECT COALESCE(MAX(stream_revision) + 1, 0) FROM events WHERE stream_id = ?), ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	defer ins.Close()
	start = time.Now()
	done := parallel(writers, int64(b.N), baselineBudget, func(w int) error {
		es := batch()
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		stream := fmt.Sprintf("order-%d", w)
		for _, e := range es {
			mdJSON := fmt.Sprintf(`{"command_id":%q,"correlation_id":%q,"actor":{"user_id":%q,"role":%q},"recorded_at":%q}`,
				md.CommandID, md.CorrelationID, md.Actor.UserID, md.Actor.Role, time.Now().UTC().Format(time.RFC3339Nano))
			if _, err := tx.Stmt(ins).Exec(stream, stream, e.ID, e.Type, e.SchemaVersion, string(e.Data), mdJSON, time.Now().UnixMicro()); err != nil {
				_ = tx.Rollback()
				return err
			}
		}
		return tx.Commit()
	}, b)
	baseRate := float64(done*int64(perCommand)) / time.Since(start).Seconds()

	b.ReportMetric(storeRate, "events/s")
	b.ReportMetric(baseRate, "baseline-events/s")
	b.ReportMetric(storeRate/baseRate, "x-baseline")
}

// parallel runs n calls of fn from the given number of goroutines, stopping
// early after budget; it returns how many calls ran.
func parallel(writers int, n int64, budget time.Duration, fn func(w int) error, b *testing.B) int64 {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	deadline := time.Now().Add(budget)
	for w := range writers {
		wg.Go(func() {
			for next.Add(1) <= n {
				if err := fn(w); err != nil {
					b.Error(err)
					return
				}
				if time.Now().After(deadline) {
					next.Store(n)
					return
				}
			}
		})
	}
	wg.Wait()
	return min(next.Load(), n)
}

// BenchmarkReadAll reads $all page by page (512 events, the Subscribe batch)
// against a baseline in the same run: the same SELECT through database/sql,
// scanning the same columns without building envelopes or decoding metadata.
func BenchmarkReadAll(b *testing.B) {
	ctx := context.Background()
	path := tempPath(b)
	s := open(b, path, sqlite.Options{})
	const total = 20_000
	data := []byte(`{"order_id":"o-1","sku":"OUD-50ML","qty":1,"price":{"amount":45000,"currency":"AED"}}`)
	md := eventstore.Metadata{CommandID: "c", CorrelationID: "k", Actor: eventstore.Actor{UserID: "u", Role: "customer"}}
	for i := 0; i < total; i += 100 {
		es := make([]eventstore.EventData, 100)
		for j := range es {
			es[j] = eventstore.EventData{ID: newID(), Type: "order.placed", SchemaVersion: 1, Data: data, Metadata: md}
		}
		if _, err := s.Append(ctx, fmt.Sprintf("order-%d", i%50), eventstore.Any, es); err != nil {
			b.Fatal(err)
		}
	}
	const page = 512

	b.ResetTimer()
	start := time.Now()
	for range b.N {
		n, after := 0, eventstore.Start
		for {
			batch, err := s.ReadAll(ctx, after, page)
			if err != nil {
				b.Fatal(err)
			}
			n += len(batch)
			if len(batch) < page {
				break
			}
			after = batch[len(batch)-1].Position
		}
		if n != total {
			b.Fatalf("read %d events, want %d", n, total)
		}
	}
	storeRate := float64(b.N*total) / time.Since(start).Seconds()
	b.StopTimer()

	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	q, err := db.Prepare("SELECT position, stream_id, stream_revision, event_id, type, schema_version, data, metadata FROM events WHERE position > ? ORDER BY position LIMIT ?")
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	start = time.Now()
	for range b.N {
		n, after := 0, int64(0)
		for {
			rows, err := q.Query(after, page)
			if err != nil {
				b.Fatal(err)
			}
			got := 0
			for rows.Next() {
				var (
					pos, rev, ver   int64
					stream, id, typ string
					data, metadata  []byte
				)
				if err := rows.Scan(&pos, &stream, &rev, &id, &typ, &ver, &data, &metadata); err != nil {
					b.Fatal(err)
				}
				after = pos
				got++
			}
			rows.Close()
			n += got
			if got < page {
				break
			}
		}
		if n != total {
			b.Fatalf("baseline read %d events", n)
		}
	}
	baseRate := float64(b.N*total) / time.Since(start).Seconds()
	b.ReportMetric(storeRate, "events/s")
	b.ReportMetric(baseRate, "baseline-events/s")
	b.ReportMetric(storeRate/baseRate, "x-baseline")
}
