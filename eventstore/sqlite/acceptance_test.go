package sqlite_test

import (
	"sync"
	"testing"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/eventstoretest"
	"github.com/souq-market/souq/eventstore/sqlite"
)

func TestAcceptance(t *testing.T) {
	var paths sync.Map // *sqlite.Store → its file, for Reopen
	eventstoretest.Run(t, eventstoretest.Harness{
		New: func(t testing.TB) eventstore.Store {
			path := tempPath(t)
			s := open(t, path, sqlite.Options{})
			paths.Store(s, path)
			return s
		},
		Reopen: func(t testing.TB, old eventstore.Store) eventstore.Store {
			path, ok := paths.Load(old)
			if !ok {
				t.Fatalf("Reopen of a store the harness did not make")
			}
			if err := old.Close(); err != nil {
				t.Fatalf("Close before reopen: %v", err)
			}
			s := open(t, path.(string), sqlite.Options{})
			paths.Store(s, path)
			return s
		},
	})
}
