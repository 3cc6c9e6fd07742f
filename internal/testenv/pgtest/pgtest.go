package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/souq-market/souq/internal/testenv"
)

// Schema returns the server's URL and a fresh schema name starting with
// prefix (it does not create the schema: the stores create their own). The
// schema is dropped, with everything in it, when the test ends — after the
// cleanups registered later, such as closing a store opened on it. It skips
// or fails the test as testenv.URL does when PostgreSQL is absent.
func Schema(t testing.TB, prefix string) (url, schema string) {
	t.Helper()
	url = testenv.URL(t, testenv.Postgres)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema = prefix + "_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		db, err := pgxpool.New(ctx, url)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer db.Close()
		if _, err := db.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return url, schema
}
