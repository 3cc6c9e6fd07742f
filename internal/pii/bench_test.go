package pii_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/sqlite"
	"github.com/souq-market/souq/internal/pii"
	"github.com/souq-market/souq/internal/pii/keyring"
)

// BenchmarkAppendAddress: one user.address_added appended to SQLite, bare
// (the baseline) and sealed (three fields, key read from the keyring table
// in the same file on every append).
//
//	go test -run '^$' -bench AppendAddress -benchtime 2000x -count 5 ./internal/pii/
func BenchmarkAppendAddress(b *testing.B) {
	for _, sealed := range []bool{false, true} {
		b.Run(fmt.Sprintf("sealed=%v", sealed), func(b *testing.B) {
			ctx := context.Background()
			path := filepath.Join(b.TempDir(), "events.db")
			inner, err := sqlite.Open(ctx, path, sqlite.Options{})
			if err != nil {
				b.Fatal(err)
			}
			var st eventstore.Store = inner
			if sealed {
				keys, err := keyring.OpenSQLite(ctx, path, keyring.Options{})
				if err != nil {
					b.Fatal(err)
				}
				st = pii.Wrap(inner, keys, catalog)
			}
			defer st.Close()
			b.ResetTimer()
			for i := range b.N {
				if _, err := st.Append(ctx, fmt.Sprintf("user-u%d", i%100), eventstore.Any, []eventstore.EventData{ev("user.address_added", address("Layla"))}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReadAll: a page of 500 events, a fifth of them sealed address
// events of 100 customers, read bare and opened.
//
//	go test -run '^$' -bench ReadAll -benchtime 200x -count 5 ./internal/pii/
func BenchmarkReadAll(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "events.db")
	inner, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	keys, err := keyring.OpenSQLite(ctx, path, keyring.Options{})
	if err != nil {
		b.Fatal(err)
	}
	st := pii.Wrap(inner, keys, catalog)
	defer st.Close()
	for i := range 500 {
		e := ev("order.noted", `{"order_id":"o-1","amount":100}`)
		if i%5 == 0 {
			e = ev("user.address_added", address("Layla"))
		}
		if _, err := st.Append(ctx, fmt.Sprintf("user-u%d", i%100), eventstore.Any, []eventstore.EventData{e}); err != nil {
			b.Fatal(err)
		}
	}
	for _, s := range []struct {
		name  string
		store eventstore.Store
	}{{"bare", inner}, {"opened", st}} {
		b.Run(s.name, func(b *testing.B) {
			for range b.N {
				if evs, err := s.store.ReadAll(ctx, 0, 500); err != nil || len(evs) != 500 {
					b.Fatal(len(evs), err)
				}
			}
		})
	}
}
