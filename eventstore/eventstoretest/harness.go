package eventstoretest

import (
	"testing"

	"github.com/souq-market/souq/eventstore"
)

// Harness makes stores for the suite.
type Harness struct {
	// New returns a fresh, empty store. The harness closes it (and removes
	// whatever it created) through t.Cleanup.
	New func(t testing.TB) eventstore.Store
	// Reopen closes old and opens a new store on the same storage, as a
	// process restart would. Nil when the backend cannot (the suite skips
	// the restart cases and says so).
	Reopen func(t testing.TB, old eventstore.Store) eventstore.Store
	// Limits the backend enforces; zero means eventstore.DefaultLimits.
	Limits eventstore.Limits
}
