package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/sqlite"
)

var testKey = []byte("sqlite-integrity-test-key-32byte")

// tamperedLog writes 31 events, event i to stream order-(i%3), one append
// each, with a checkpoint every 10 and one at close, then lets tamper edit
// the file directly and reopens it.
func tamperedLog(t *testing.T, tamper func(db *sql.DB)) *sqlite.Store {
	t.Helper()
	path := tempPath(t)
	opts := sqlite.Options{IntegrityKey: testKey, CheckpointEvery: 10}
	s := open(t, path, opts)
	ctx := context.Background()
	for i := range 31 {
		if _, err := s.Append(ctx, fmt.Sprintf("order-%d", i%3), eventstore.Any, []eventstore.EventData{ev("order.noted", fmt.Sprintf(`{"i":%d}`, i))}); err != nil {
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
	tamper(db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return open(t, path, opts)
}

func execSQL(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

type found struct {
	Position eventstore.Position
	Kind     string
}

func verify(t *testing.T, s eventstore.IntegrityVerifier) []found {
	t.Helper()
	var calls int
	problems, err := s.VerifyIntegrity(context.Background(), func(done, head eventstore.Position) {
		calls++
		if done > head {
			t.Errorf("progress %d past the head %d", done, head)
		}
	})
	if err != nil {
		t.Fatalf("VerifyIntegrity: %v", err)
	}
	if calls == 0 {
		t.Error("progress was never called")
	}
	t.Log(problems)
	var out []found
	for _, p := range problems {
		out = append(out, found{p.Position, p.Kind})
	}
	return out
}

func TestVerifyIntegrityNamesEachTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *sql.DB)
		want   []found
	}{
		{"untouched", func(*testing.T, *sql.DB) {}, nil},
		{"payload edited", func(t *testing.T, db *sql.DB) {
			execSQL(t, db, `UPDATE events SET data = '{"i":999}' WHERE position = 12`)
		}, []found{{12, "edited"}}},
		{"metadata edited", func(t *testing.T, db *sql.DB) {
			execSQL(t, db, `UPDATE events SET metadata = json_set(metadata, '$.actor.user_id', 'mallory') WHERE position = 3`)
		}, []found{{3, "edited"}}},
		{"one deleted", func(t *testing.T, db *sql.DB) {
			execSQL(t, db, `DELETE FROM events WHERE position = 12`)
		}, []found{{12, "missing"}}},
		{"last ones deleted", func(t *testing.T, db *sql.DB) {
			execSQL(t, db, `DELETE FROM events WHERE position > 28`)
		}, []found{{29, "missing"}}},
		{"data of two exchanged", func(t *testing.T, db *sql.DB) {
			var a, b string
			if err := db.QueryRow(`SELECT (SELECT data FROM events WHERE position = 7), (SELECT data FROM events WHERE position = 21)`).Scan(&a, &b); err != nil {
				t.Fatal(err)
			}
			execSQL(t, db, `UPDATE events SET data = ? WHERE position = 7`, b)
			execSQL(t, db, `UPDATE events SET data = ? WHERE position = 21`, a)
		}, []found{{7, "reordered"}, {21, "reordered"}}},
		{"positions of two exchanged", func(t *testing.T, db *sql.DB) {
			execSQL(t, db, `UPDATE events SET position = 1000000 WHERE position = 7`)
			execSQL(t, db, `UPDATE events SET position = 7 WHERE position = 20`)
			execSQL(t, db, `UPDATE events SET position = 20 WHERE position = 1000000`)
		}, []found{{7, "reordered"}, {20, "reordered"}}},
		{"checkpoint signature flipped", func(t *testing.T, db *sql.DB) {
			var sig []byte
			if err := db.QueryRow(`SELECT signature FROM checkpoints WHERE position = 20`).Scan(&sig); err != nil {
				t.Fatal(err)
			}
			sig[0] ^= 1
			execSQL(t, db, `UPDATE checkpoints SET signature = ? WHERE position = 20`, sig)
		}, []found{{20, "checkpoint"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tamperedLog(t, func(db *sql.DB) { tc.tamper(t, db) })
			if got := verify(t, s); !slices.Equal(got, tc.want) {
				t.Fatalf("problems %v, want %v", got, tc.want)
			}
		})
	}
}

// TestCheckpointsSignedEveryNAndOnClose: the checkpoints are where the
// settings say, so a log rewritten with its hashes has one to fail.
func TestCheckpointsSignedEveryNAndOnClose(t *testing.T) {
	var positions []int64
	tamperedLog(t, func(db *sql.DB) {
		rows, err := db.Query(`SELECT position FROM checkpoints ORDER BY position`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var p int64
			if err := rows.Scan(&p); err != nil {
				t.Fatal(err)
			}
			positions = append(positions, p)
		}
	})
	if want := []int64{10, 20, 30, 31}; !slices.Equal(positions, want) {
		t.Fatalf("checkpoints at %v, want %v", positions, want)
	}
}

// TestGroupCommitChainsWithinBatch: appends committed together chain to each
// other's hashes (in one stream and across streams), and the log verifies.
func TestGroupCommitChainsWithinBatch(t *testing.T) {
	s := open(t, tempPath(t), sqlite.Options{IntegrityKey: testKey, CheckpointEvery: 7})
	ctx := context.Background()
	const writers, each = 8, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := s.Append(ctx, fmt.Sprintf("order-%d", (w+i)%3), eventstore.Any, events(1+i%3)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if s.Transactions() >= writers*each {
		t.Fatalf("%d transactions for %d appends: no group commit happened", s.Transactions(), writers*each)
	}
	if got := verify(t, s); len(got) != 0 {
		t.Fatalf("an untouched log written by group commit has problems: %v", got)
	}
}

func TestVerifyIntegrityWithAnotherKeyFailsTheCheckpoints(t *testing.T) {
	path := tempPath(t)
	s := open(t, path, sqlite.Options{IntegrityKey: testKey, CheckpointEvery: 2})
	if _, err := s.Append(context.Background(), "s", eventstore.Any, events(3)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	other := open(t, path, sqlite.Options{IntegrityKey: []byte("some-other-key-of-thirty-two-by")})
	if got := verify(t, other); !slices.Equal(got, []found{{3, "checkpoint"}}) {
		t.Fatalf("problems %v, want the checkpoint at 3", got)
	}
}
