package keyring

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/souq-market/souq/internal/pii"
	"github.com/souq-market/souq/internal/testenv/pgtest"
)

// suite runs the Keyring contract against two keyrings on one database, as
// two processes would hold them.
func suite(t *testing.T, a, b pii.Keyring) {
	ctx := context.Background()
	if _, err := a.Key(ctx, "u-1", false); !errors.Is(err, pii.ErrNoKey) {
		t.Fatalf("no key yet: %v", err)
	}
	// Racing creators agree on one key.
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k := []pii.Keyring{a, b}[i%2]
			var err error
			if keys[i], err = k.Key(ctx, "u-1", true); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, k := range keys {
		if len(k) != pii.KeySize || !bytes.Equal(k, keys[0]) {
			t.Fatalf("racing creators got different keys")
		}
	}
	other, err := b.Key(ctx, "u-2", true)
	if err != nil || bytes.Equal(other, keys[0]) {
		t.Fatalf("second subject: %v", err)
	}
	if err := a.Forget(ctx, "u-1"); err != nil {
		t.Fatal(err)
	}
	for _, k := range []pii.Keyring{a, b} { // b: another process sees it at once
		for _, create := range []bool{false, true} {
			if _, err := k.Key(ctx, "u-1", create); !errors.Is(err, pii.ErrForgotten) {
				t.Fatalf("forgotten subject (create %v): %v", create, err)
			}
		}
	}
	if err := b.Forget(ctx, "u-1"); err != nil {
		t.Fatalf("forgetting twice: %v", err)
	}
	if k, err := a.Key(ctx, "u-2", false); err != nil || !bytes.Equal(k, other) {
		t.Fatalf("the other subject's key: %v", err)
	}
	// The batch look-up: keys of those that have one; the forgotten and
	// the unknown are absent. More subjects than one query takes.
	subjects := []string{"u-1", "u-2", "u-none"}
	for i := range keysPerQuery {
		subjects = append(subjects, fmt.Sprintf("filler-%d", i))
	}
	got, err := b.Keys(ctx, subjects)
	if err != nil || len(got) != 1 || !bytes.Equal(got["u-2"], other) {
		t.Fatalf("Keys: %d keys, %v", len(got), err)
	}
}

func TestSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	ctx := context.Background()
	a, err := OpenSQLite(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenSQLite(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	key, err := a.Key(ctx, "u-9", true)
	if err != nil {
		t.Fatal(err)
	}
	suite(t, a, b)
	if err := a.Forget(ctx, "u-9"); err != nil {
		t.Fatal(err)
	}
	// secure_delete and the checkpoint: the destroyed key's bytes are
	// nowhere in the database file or its WAL.
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, key) {
			t.Fatalf("%s still holds the forgotten key's bytes", filepath.Base(f))
		}
	}
}

func TestSQLiteMasterKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	ctx := context.Background()
	master := bytes.Repeat([]byte{7}, 32)
	a, err := OpenSQLite(ctx, path, Options{MasterKey: master})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	key, err := a.Key(ctx, "u-1", true)
	if err != nil {
		t.Fatal(err)
	}
	var stored []byte
	if err := a.db.QueryRow(`SELECT key FROM pii_keys WHERE subject = 'u-1'`).Scan(&stored); err != nil || bytes.Contains(stored, key) {
		t.Fatalf("the stored key is not wrapped: %v", err)
	}
	bare, err := OpenSQLite(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	if _, err := bare.Key(ctx, "u-1", false); err == nil {
		t.Fatal("a wrapped key opened without the master key")
	}
	if _, err := OpenSQLite(ctx, path, Options{MasterKey: master[:16]}); err == nil {
		t.Fatal("a 16-byte master key was accepted")
	}
}

func TestPostgres(t *testing.T) {
	url, schema := pgtest.Schema(t, "keyring")
	ctx := context.Background()
	a, err := OpenPostgres(ctx, url, schema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenPostgres(ctx, url, schema, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	suite(t, a, b)
	var rows int
	if err := a.db.QueryRow(`SELECT count(*) FROM ` + a.table + ` WHERE key IS NOT NULL AND subject = 'u-1'`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("forgotten key row still holds a key: %d %v", rows, err)
	}
}
