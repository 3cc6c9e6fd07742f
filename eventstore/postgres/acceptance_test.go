package postgres_test

import (
	"sync"
	"testing"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/eventstoretest"
	"github.com/souq-market/souq/eventstore/postgres"
)

func TestAcceptance(t *testing.T) {
	var mu sync.Mutex
	envs := map[eventstore.Store]env{} // which schema each store lives in, for Reopen
	eventstoretest.Run(t, eventstoretest.Harness{
		New: func(t testing.TB) eventstore.Store {
			e := newEnv(t)
			st := e.open(t, postgres.Options{})
			mu.Lock()
			envs[st] = e
			mu.Unlock()
			return st
		},
		Reopen: func(t testing.TB, old eventstore.Store) eventstore.Store {
			mu.Lock()
			e := envs[old]
			mu.Unlock()
			if err := old.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			st := e.open(t, postgres.Options{})
			mu.Lock()
			envs[st] = e
			mu.Unlock()
			return st
		},
	})
}
