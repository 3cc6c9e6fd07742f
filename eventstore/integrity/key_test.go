package integrity_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/souq-market/souq/eventstore/integrity"
)

func TestLoadOrCreateKeyMakesOneKeyKeptPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "integrity.key")
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := integrity.LoadOrCreateKey(path)
			if err != nil {
				t.Errorf("LoadOrCreateKey: %v", err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatalf("racing processes got different keys: %x and %x", keys[0], k)
		}
	}
	if len(keys[0]) != 32 {
		t.Fatalf("key has %d bytes, want 32", len(keys[0]))
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", info.Mode().Perm())
	}
	again, err := integrity.LoadOrCreateKey(path)
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Fatalf("reopened key %x, %v; want %x", again, err, keys[0])
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("the key's directory holds %d files, want only the key (no temporary left)", len(entries))
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := integrity.LoadOrCreateKey(path); err == nil {
		t.Fatal("a damaged key file was accepted")
	}
}
