package boltstate_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/souq-market/souq/projections/scent/boltstate"
)

// Records survive a reopen; a record read is a copy; an empty key list
// and an empty save are no errors.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.bolt")
	s, err := boltstate.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveState(ctx, map[string][]byte{"embedding:a": []byte("[1,2]"), "embedding:b": []byte("null")}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveState(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = boltstate.Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.LoadState(ctx, []string{"embedding:a", "embedding:b", "embedding:c"})
	if err != nil || len(got) != 2 || string(got["embedding:a"]) != "[1,2]" || string(got["embedding:b"]) != "null" {
		t.Fatalf("%q %v", got, err)
	}
	got["embedding:a"][0] = 'x'
	again, _ := s.LoadState(ctx, []string{"embedding:a"})
	if string(again["embedding:a"]) != "[1,2]" {
		t.Fatal("a caller changed the stored record through its copy")
	}
	if none, err := s.LoadState(ctx, nil); err != nil || len(none) != 0 {
		t.Fatalf("%v %v", none, err)
	}
}
