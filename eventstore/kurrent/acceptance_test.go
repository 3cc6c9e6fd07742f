package kurrent

import (
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/eventstoretest"
	"github.com/souq-market/souq/internal/testenv"
)

// TestAcceptance runs the shared suite against a real KurrentDB when
// SOUQ_TEST_KURRENTDB_URL is set (docker-compose starts one), and skips,
// saying so, when it is not: no KurrentDB server runs on the build machines.
//
// One server is shared by every case and keeps its data, so each store the
// harness makes lives in a namespace of its own (Options.StreamPrefix, a
// random "souqtest-<hex>-"). Its ReadAll, Subscribe and Head see only that
// namespace, so every case sees an empty store, as on the SQL backends; the
// events stay in the server after the run.
func TestAcceptance(t *testing.T) {
	url := testenv.URL(t, testenv.Kurrent)
	open := func(t testing.TB, prefix string) eventstore.Store {
		t.Helper()
		s, err := Open(t.Context(), url, Options{StreamPrefix: prefix})
		if err != nil {
			t.Fatalf("Open %s: %v", url, err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	eventstoretest.Run(t, eventstoretest.Harness{
		New: func(t testing.TB) eventstore.Store {
			b := make([]byte, 6)
			_, _ = rand.Read(b)
			return open(t, "souqtest-"+hex.EncodeToString(b)+"-")
		},
		Reopen: func(t testing.TB, old eventstore.Store) eventstore.Store {
			prefix := old.(*Store).prefix
			if err := old.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return open(t, prefix)
		},
		// KurrentDB keeps no index of event IDs across streams.
		IDsPerStream: true,
	})
}
