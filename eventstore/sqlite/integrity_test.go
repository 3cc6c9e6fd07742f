package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/integrity/integritytest"
	"github.com/souq-market/souq/eventstore/sqlite"
)

// TestTamperEvidence edits the file directly, through database/sql and the
// same driver, as anyone who can write the file could.
func TestTamperEvidence(t *testing.T) {
	integritytest.Run(t, integritytest.Harness{
		New: func(t *testing.T, key []byte, every int) integritytest.Log {
			path := tempPath(t)
			opts := sqlite.Options{IntegrityKey: key, CheckpointEvery: every}
			s := open(t, path, opts)
			return integritytest.Log{
				Store: s,
				Reopen: func() integritytest.Store {
					if err := s.Close(); err != nil {
						t.Fatal(err)
					}
					return open(t, path, opts)
				},
				Tamper: func(statements ...string) {
					db, err := sql.Open("sqlite", path)
					if err != nil {
						t.Fatal(err)
					}
					defer db.Close()
					db.SetMaxOpenConns(1) // one session: temporary tables live in it
					for _, q := range statements {
						if _, err := db.Exec(q); err != nil {
							t.Fatalf("%s: %v", q, err)
						}
					}
				},
			}
		},
		FlipSignature: `UPDATE checkpoints SET signature = unhex(CASE substr(hex(signature), 1, 1) WHEN '0' THEN '1' ELSE '0' END || substr(hex(signature), 2)) WHERE position = %d`,
	})
}

// TestCheckpointsSignedEveryNAndOnClose: the checkpoints are where the
// settings say, so a log rewritten with its hashes has one to fail.
func TestCheckpointsSignedEveryNAndOnClose(t *testing.T) {
	path := tempPath(t)
	s := open(t, path, sqlite.Options{IntegrityKey: integritytest.Key, CheckpointEvery: 10})
	for range 31 {
		if _, err := s.Append(t.Context(), "s", eventstore.Any, events(1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var positions string
	if err := db.QueryRow(`SELECT group_concat(position) FROM (SELECT position FROM checkpoints ORDER BY position)`).Scan(&positions); err != nil {
		t.Fatal(err)
	}
	if positions != "10,20,30,31" {
		t.Fatalf("checkpoints at %s, want 10,20,30,31", positions)
	}

	// A store that only reads (souq verify) signs nothing on close, not
	// even a head left unsigned.
	if _, err := db.Exec(`DELETE FROM checkpoints WHERE position = 31`); err != nil {
		t.Fatal(err)
	}
	reader := open(t, path, sqlite.Options{IntegrityKey: integritytest.Key, CheckpointEvery: 10})
	integritytest.Verify(t, reader)
	if err := reader.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT group_concat(position) FROM (SELECT position FROM checkpoints ORDER BY position)`).Scan(&positions); err != nil {
		t.Fatal(err)
	}
	if positions != "10,20,30" {
		t.Fatalf("after a reader closed, checkpoints at %s, want 10,20,30", positions)
	}
}

func TestVerifyIntegrityWithAnotherKeyFailsTheCheckpoints(t *testing.T) {
	path := tempPath(t)
	s := open(t, path, sqlite.Options{IntegrityKey: integritytest.Key, CheckpointEvery: 2})
	if _, err := s.Append(t.Context(), "s", eventstore.Any, events(3)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	other := open(t, path, sqlite.Options{IntegrityKey: []byte("some-other-key-of-thirty-two-by")})
	got := integritytest.Verify(t, other)
	if len(got) != 1 || got[0] != (integritytest.Found{Position: 3, Kind: "checkpoint"}) {
		t.Fatalf("problems %v, want the checkpoint at 3", got)
	}
}

// TestDefaultKeyKeptBesideTheFile: without a configured key, the store makes
// one beside the file once and signs with it across restarts.
func TestDefaultKeyKeptBesideTheFile(t *testing.T) {
	path := tempPath(t)
	s := open(t, path, sqlite.Options{CheckpointEvery: 1})
	if _, err := s.Append(t.Context(), "s", eventstore.Any, events(2)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	info, err := os.Stat(filepath.Join(filepath.Dir(path), "integrity.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("integrity.key beside the file: %v, %v; want mode 0600", info, err)
	}
	if got := integritytest.Verify(t, open(t, path, sqlite.Options{})); len(got) != 0 {
		t.Fatalf("reopened with the default key: %v", got)
	}
}
