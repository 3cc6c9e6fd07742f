package sqlite_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/integrity"
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
					s = open(t, path, opts)
					return s
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
		Blob:          `unhex('%s')`,
		Unchain: []string{`DROP INDEX checkpoints_seq`, `ALTER TABLE checkpoints DROP COLUMN seq`, `ALTER TABLE checkpoints DROP COLUMN previous`,
			`DELETE FROM schema_migrations WHERE version = 3`},
		Stored: func(t *testing.T, s integritytest.Store) ([]integrity.Row, []integrity.Checkpoint) {
			rows, checkpoints, err := s.(*sqlite.Store).StoredIntegrity(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			return rows, checkpoints
		},
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

// TestWriterSignsWhatItWroteWhenTheLogWasRechained: an intruder rewrites an
// event after the last checkpoint and recomputes every hash after it, so
// the log is consistent in itself and only the writer, which remembers the
// global hash it wrote last, can tell. It must not sign the rewrite; it
// signs what it wrote instead, which every verification then finds the
// log contradicting, at that position.
func TestWriterSignsWhatItWroteWhenTheLogWasRechained(t *testing.T) {
	path := tempPath(t)
	s := open(t, path, sqlite.Options{IntegrityKey: integritytest.Key, CheckpointEvery: 10})
	appendN := func(from, to int) {
		for i := from; i < to; i++ {
			if _, err := s.Append(t.Context(), fmt.Sprintf("order-%d", i%3), eventstore.Any, []eventstore.EventData{ev("order.noted", fmt.Sprintf(`{"i":%d}`, i))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	appendN(0, 25) // checkpoints at 10 and 20
	rows, _, err := s.StoredIntegrity(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	// Position 23 is revision 7 of order-1 (revision 6 at 20); 24 and 25
	// follow their streams' events before 23, so only the global hashes
	// after 23 change with it.
	rows[22].Data = []byte(`{"i":999}`)
	prev, _ := integrity.FromBytes(rows[19].Hash)
	h := integrity.Link(prev, rows[22].Revision, integrity.Digest(rows[22].Event))
	rows[22].Hash = h[:]
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	global, _ := integrity.FromBytes(rows[21].Global)
	for _, r := range rows[22:] {
		stored, _ := integrity.FromBytes(r.Hash)
		global = integrity.Global(global, r.Position, stored)
		if _, err := db.Exec(`UPDATE events SET data = ?, hash = ?, global_hash = ? WHERE position = ?`, string(r.Data), r.Hash, global[:], int64(r.Position)); err != nil {
			t.Fatal(err)
		}
	}
	reader := open(t, path, sqlite.Options{IntegrityKey: integritytest.Key})
	if got := integritytest.Verify(t, reader); len(got) != 0 {
		t.Fatalf("the rechained log has problems %v before the writer goes on: the test rewrote it wrong", got)
	}

	appendN(25, 35) // the checkpoint due at 30 checks the events since 20
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, checkpoints, err := reader.StoredIntegrity(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var signed []uint64
	for _, c := range checkpoints {
		signed = append(signed, c.Position)
	}
	if !slices.Equal(signed, []uint64{10, 20, 25}) {
		t.Fatalf("checkpoints at %v, want 10, 20 and the writer's own last position 25 only", signed)
	}
	if got := integritytest.Verify(t, reader); !slices.Equal(got, []integritytest.Found{{Position: 25, Kind: "checkpoint"}}) {
		t.Fatalf("problems %v, want the checkpoint at 25", got)
	}
}
