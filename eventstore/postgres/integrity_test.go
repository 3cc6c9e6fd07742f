package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/integrity"
	"github.com/souq-market/souq/eventstore/integrity/integritytest"
	"github.com/souq-market/souq/eventstore/postgres"
)

// TestTamperEvidence edits the tables directly, as anyone with write access
// to the schema could.
func TestTamperEvidence(t *testing.T) {
	integritytest.Run(t, integritytest.Harness{
		New: func(t *testing.T, key []byte, every int) integritytest.Log {
			e := newEnv(t)
			opts := postgres.Options{IntegrityKey: key, CheckpointEvery: every}
			s := e.open(t, opts)
			return integritytest.Log{
				Store: s,
				Reopen: func() integritytest.Store {
					_ = s.Close()
					s = e.open(t, opts)
					return s
				},
				Tamper: func(statements ...string) {
					ctx := context.Background()
					conn, err := e.db.Acquire(ctx)
					if err != nil {
						t.Fatal(err)
					}
					defer conn.Release()
					// One session, so the temporary tables and search_path last.
					if _, err := conn.Exec(ctx, "SET search_path TO "+pgx.Identifier{e.schema}.Sanitize()); err != nil {
						t.Fatal(err)
					}
					for _, q := range statements {
						if _, err := conn.Exec(ctx, q); err != nil {
							t.Fatalf("%s: %v", q, err)
						}
					}
					if _, err := conn.Exec(ctx, "RESET search_path"); err != nil {
						t.Fatal(err)
					}
				},
			}
		},
		FlipSignature: `UPDATE checkpoints SET signature = set_byte(signature, 0, get_byte(signature, 0) # 1) WHERE position = %d`,
		Blob:          `decode('%s', 'hex')`,
		Unchain:       []string{`ALTER TABLE checkpoints DROP COLUMN seq, DROP COLUMN previous`, `DELETE FROM schema_migrations WHERE version = 4`},
		Stored: func(t *testing.T, s integritytest.Store) ([]integrity.Row, []integrity.Checkpoint) {
			rows, checkpoints, err := s.(*postgres.Store).StoredIntegrity(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			return rows, checkpoints
		},
	})
}

// TestCheckpointsSignedEveryNAndOnClose: the checkpoints are where the
// settings say (after the batch that crosses each multiple, and the head on
// close), so a log rewritten with its hashes has one to fail.
func TestCheckpointsSignedEveryNAndOnClose(t *testing.T) {
	e := newEnv(t)
	s := e.open(t, postgres.Options{IntegrityKey: integritytest.Key, CheckpointEvery: 10})
	for range 31 {
		if _, err := s.Append(t.Context(), "s", eventstore.Any, events(1, "cp")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var positions string
	if err := e.db.QueryRow(t.Context(), `SELECT string_agg(position::text, ',' ORDER BY position) FROM `+e.table("checkpoints")).Scan(&positions); err != nil {
		t.Fatal(err)
	}
	if positions != "10,20,30,31" {
		t.Fatalf("checkpoints at %s, want 10,20,30,31", positions)
	}

	// A store that only reads (souq verify) signs nothing on close, not
	// even a head left unsigned.
	if _, err := e.db.Exec(t.Context(), `DELETE FROM `+e.table("checkpoints")+` WHERE position = 31`); err != nil {
		t.Fatal(err)
	}
	reader := e.open(t, postgres.Options{IntegrityKey: integritytest.Key, CheckpointEvery: 10})
	integritytest.Verify(t, reader)
	if err := reader.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.db.QueryRow(t.Context(), `SELECT string_agg(position::text, ',' ORDER BY position) FROM `+e.table("checkpoints")).Scan(&positions); err != nil {
		t.Fatal(err)
	}
	if positions != "10,20,30" {
		t.Fatalf("after a reader closed, checkpoints at %s, want 10,20,30", positions)
	}
}

func TestVerifyIntegrityNeedsAKey(t *testing.T) {
	s := newEnv(t).open(t, postgres.Options{})
	if _, err := s.VerifyIntegrity(t.Context(), nil); err == nil {
		t.Fatal("VerifyIntegrity without a key to check checkpoints with succeeded")
	}
}

// TestStoresOfOneSchemaChainTheirCheckpoints: two processes appending to one
// schema both sign checkpoints; each chains to the newest one, so the
// numbers run without a gap or a repeat and the log verifies clean.
func TestStoresOfOneSchemaChainTheirCheckpoints(t *testing.T) {
	e := newEnv(t)
	opts := postgres.Options{IntegrityKey: integritytest.Key, CheckpointEvery: 3}
	stores := []*postgres.Store{e.open(t, opts), e.open(t, opts)}
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() {
			for k := range 40 {
				if _, err := s.Append(t.Context(), fmt.Sprintf("order-%d-%d", i, k%4), eventstore.Any, events(1+k%2, "cp")); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, s := range stores {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var n, maxSeq, distinct int
	if err := e.db.QueryRow(t.Context(), `SELECT count(*), max(seq), count(DISTINCT seq) FROM `+e.table("checkpoints")).Scan(&n, &maxSeq, &distinct); err != nil {
		t.Fatal(err)
	}
	if n < 20 || maxSeq != n || distinct != n {
		t.Fatalf("%d checkpoints numbered up to %d (%d distinct), want one number each from 1, at least 20 of them", n, maxSeq, distinct)
	}
	if got := integritytest.Verify(t, e.open(t, opts)); len(got) != 0 {
		t.Fatalf("problems %v", got)
	}
}
