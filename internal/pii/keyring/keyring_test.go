package keyring

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// opener opens a keyring on one database, with a master key or without
// (nil), as a process configured so would.
type opener func(master []byte) (*SQL, error)

// masterKeyLifecycle: keys stored before a master key was set are wrapped
// by the first open with one and read the same; an open without it, or
// with another, is refused at once (never a key unreadable at read time);
// Unwrap stores them plain again for an open without.
func masterKeyLifecycle(t *testing.T, open opener) {
	ctx := context.Background()
	master, other := bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{8}, 32)
	mustOpen := func(m []byte) *SQL {
		t.Helper()
		k, err := open(m)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = k.Close() })
		return k
	}
	// A process without a master key stores plain keys, and a tombstone.
	bare := mustOpen(nil)
	want := map[string][]byte{}
	for _, s := range []string{"u-1", "u-2", "souq:pseudonym:email-claim"} {
		k, err := bare.Key(ctx, s, true)
		if err != nil {
			t.Fatal(err)
		}
		want[s] = k
	}
	if err := bare.Forget(ctx, "u-3"); err != nil {
		t.Fatal(err)
	}
	same := func(k *SQL, when string) {
		t.Helper()
		for s, w := range want {
			if got, err := k.Key(ctx, s, false); err != nil || !bytes.Equal(got, w) {
				t.Fatalf("%s: the key of %s changed or does not read: %v", when, s, err)
			}
		}
		if got, err := k.Keys(ctx, []string{"u-1", "u-2", "u-3"}); err != nil || len(got) != 2 || !bytes.Equal(got["u-2"], want["u-2"]) {
			t.Fatalf("%s: Keys: %d keys, %v", when, len(got), err)
		}
		if _, err := k.Key(ctx, "u-3", true); !errors.Is(err, pii.ErrForgotten) {
			t.Fatalf("%s: the forgotten subject: %v", when, err)
		}
	}
	stored := func(k *SQL) map[string][]byte {
		t.Helper()
		rows, err := k.db.Query(`SELECT subject, key FROM ` + k.table + ` WHERE key IS NOT NULL`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string][]byte{}
		for rows.Next() {
			var s string
			var b []byte
			if err := rows.Scan(&s, &b); err != nil {
				t.Fatal(err)
			}
			out[s] = b
		}
		return out
	}

	// The master key is set: two processes start at once, both wrap, each
	// key is wrapped once, and reads the same as before.
	var wg sync.WaitGroup
	started := make([]*SQL, 2)
	for i := range started {
		wg.Go(func() {
			k, err := open(master)
			if err != nil {
				t.Error(err)
				return
			}
			started[i] = k
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, k := range started {
		t.Cleanup(func() { _ = k.Close() })
		same(k, "wrapped")
	}
	wrapped := stored(started[0])
	for s, b := range wrapped {
		if len(b) != wrappedSize || bytes.Contains(b, want[s]) {
			t.Fatalf("the key of %s is stored unwrapped (%d bytes)", s, len(b))
		}
	}
	// A fresh key under the master key is wrapped too.
	fresh, err := started[0].Key(ctx, "u-4", true)
	if err != nil {
		t.Fatal(err)
	}
	if b := stored(started[0])["u-4"]; len(b) != wrappedSize || bytes.Contains(b, fresh) {
		t.Fatal("a key created under the master key is stored unwrapped")
	}
	want["u-4"] = fresh

	// The process started before, without the master key, is refused
	// each wrapped key by name; one starting now is refused at once; so is
	// one with another master key.
	if _, err := bare.Key(ctx, "u-1", false); !errors.Is(err, ErrMasterKeyMissing) {
		t.Fatalf("a wrapped key read without the master key: %v", err)
	}
	if k, err := open(nil); !errors.Is(err, ErrMasterKeyMissing) {
		if k != nil {
			_ = k.Close()
		}
		t.Fatalf("open without the master key over wrapped keys: %v", err)
	}
	if k, err := open(other); !errors.Is(err, ErrWrongMasterKey) {
		if k != nil {
			_ = k.Close()
		}
		t.Fatalf("open with another master key: %v", err)
	}
	// That old process stores a plain key meanwhile: the master-key process
	// names it as unwrapped, and the next start wraps it.
	late, err := bare.Key(ctx, "u-5", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := started[0].Key(ctx, "u-5", false); err == nil || !strings.Contains(err.Error(), "not wrapped") {
		t.Fatalf("a plain key under the master key: %v", err)
	}
	want["u-5"] = late
	same(mustOpen(master), "restarted")

	// Giving the master key up: Unwrap with it, then start without.
	n, err := mustOpen(master).Unwrap(ctx)
	if err != nil || n != len(want) {
		t.Fatalf("Unwrap: %d keys, %v; want %d", n, err, len(want))
	}
	after := mustOpen(nil)
	same(after, "unwrapped")
	if n, err := after.Unwrap(ctx); !errors.Is(err, ErrMasterKeyMissing) || n != 0 {
		t.Fatalf("Unwrap without a master key: %d, %v", n, err)
	}
	if _, err := open(master[:16]); err == nil {
		t.Fatal("a 16-byte master key was accepted")
	}
}

func TestSQLiteMasterKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	masterKeyLifecycle(t, func(m []byte) (*SQL, error) {
		return OpenSQLite(context.Background(), path, Options{MasterKey: m})
	})
}

func TestPostgresMasterKey(t *testing.T) {
	url, schema := pgtest.Schema(t, "keyring")
	masterKeyLifecycle(t, func(m []byte) (*SQL, error) {
		return OpenPostgres(context.Background(), url, schema, Options{MasterKey: m})
	})
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
