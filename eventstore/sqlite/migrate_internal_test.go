package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/souq-market/souq/eventstore"
)

// TestMigrationChainsEventsStoredBefore: a file written before tamper
// evidence (schema 1) gets its events hashed by migration 2, in position
// order, so they verify, new appends chain onto them, and an edit of an old
// event is caught.
func TestMigrationChainsEventsStoredBefore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "events.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT",
		migrations()[0].sql,
		"INSERT INTO schema_migrations VALUES (1, 0)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	const old = fillPage + 5 // more than one page of the back-fill
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := range old {
		stream := fmt.Sprintf("order-%d", i%4)
		if _, err := tx.Exec(`INSERT INTO events VALUES (?, ?, ?, ?, 'order.noted', 1, ?, '{"command_id":"c"}', ?)`,
			i+1, stream, i/4, uuid(), fmt.Sprintf(`{"i":%d}`, i), 1_700_000_000_000_000+i); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO streams VALUES (?, ?) ON CONFLICT DO UPDATE SET revision = excluded.revision`, stream, i/4); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	key := []byte("migration-test-key-0123456789abc")
	s, err := Open(ctx, path, Options{IntegrityKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "order-1", eventstore.Any, []eventstore.EventData{{ID: uuid(), Type: "order.noted", SchemaVersion: 1, Data: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	problems, err := s.VerifyIntegrity(ctx, nil)
	if err != nil || len(problems) != 0 {
		t.Fatalf("after migrating: %v, %v; want no problem", problems, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	if _, err := db.Exec(`UPDATE events SET data = '{"i":-1}' WHERE position = 100`); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path, Options{IntegrityKey: key})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	problems, err = s.VerifyIntegrity(ctx, nil)
	if err != nil || len(problems) != 1 || problems[0].Position != 100 || problems[0].Kind != eventstore.IntegrityEdited {
		t.Fatalf("after editing position 100: %v, %v; want it reported as edited", problems, err)
	}
	db.Close()
}
