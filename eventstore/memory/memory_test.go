package memory_test

import (
	"testing"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/eventstoretest"
	"github.com/souq-market/souq/eventstore/memory"
)

func TestAcceptance(t *testing.T) {
	eventstoretest.Run(t, eventstoretest.Harness{
		New: func(t testing.TB) eventstore.Store {
			s := memory.New(memory.Options{})
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
	})
}
