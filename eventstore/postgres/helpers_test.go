package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/postgres"
	"github.com/souq-market/souq/internal/testenv"
)

// env is one test's database: the server's URL and a schema of its own that
// is dropped when the test ends.
type env struct {
	url    string
	schema string
	db     *pgxpool.Pool // for the test's own inspection queries
}

func newEnv(t testing.TB) env {
	t.Helper()
	url := testenv.URL(t, testenv.Postgres)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "es_test_" + hex.EncodeToString(b)
	db, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		db.Close()
	})
	return env{url: url, schema: schema, db: db}
}

// open opens a store on the env's schema, closed when the test ends.
func (e env) open(t testing.TB, opts postgres.Options) *postgres.Store {
	t.Helper()
	opts.Schema = e.schema
	st, err := postgres.Open(context.Background(), e.url, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// table names one of the env's tables in SQL.
func (e env) table(name string) string {
	return pgx.Identifier{e.schema, name}.Sanitize()
}

func (e env) count(t testing.TB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := e.db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// events makes n events of type "test.happened", each with a fresh ID.
func events(n int, tag string) []eventstore.EventData {
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = eventstore.EventData{
			ID:            uuid.NewString(),
			Type:          "test.happened",
			SchemaVersion: 1,
			Data:          []byte(fmt.Sprintf(`{"tag":%q,"i":%d}`, tag, i)),
			Metadata:      eventstore.Metadata{CommandID: tag},
		}
	}
	return out
}
