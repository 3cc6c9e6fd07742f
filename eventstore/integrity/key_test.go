package integrity_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/souq-market/souq/eventstore/integrity"
)

func TestParseKey(t *testing.T) {
	raw := []byte("0123456789abcdef0123456789abcdef")
	cases := []struct {
		in   string
		want []byte
		err  string
	}{
		{"30313233343536373839616263646566", []byte("0123456789abcdef"), ""},
		{"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", raw, ""},
		{"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY", raw, ""},
		{"  MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n", raw, ""},
		{"", nil, "empty"},
		{"   ", nil, "empty"},
		{"3031", nil, "at least 16"},
		{"c2hvcnQ=", nil, "at least 16"},
		{"not a key at all!", nil, "neither hex nor base64"},
		{strings.Repeat("z!", 20), nil, "neither hex nor base64"},
		{"\x00\x01\x02", nil, "neither hex nor base64"},
	}
	for _, tc := range cases {
		got, err := integrity.ParseKey(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseKey(%q) = %x, %v; want an error with %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("ParseKey(%q) = %x, %v; want %x", tc.in, got, err, tc.want)
		}
	}
}

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
