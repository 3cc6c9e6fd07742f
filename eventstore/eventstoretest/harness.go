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

	// Optional fields; the zero value suits an embedded backend.

	// SharedAll says the store's $all also carries events the suite did
	// not write (a KurrentDB server shared by every test, with its system
	// events). The suite then reads $all after the Head it found at the
	// start of each case, looks only at its own streams there, and checks
	// Head for growth instead of equality.
	SharedAll bool

	// IDsPerStream says event IDs are unique within a stream only, so the
	// same ID appended to another stream is not refused (KurrentDB keeps
	// no index of event IDs across streams). The suite skips the
	// cross-stream reuse cases and says so in the test output.
	IDsPerStream bool
}
