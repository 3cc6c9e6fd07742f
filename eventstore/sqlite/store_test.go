package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/sqlite"
)

func TestOpenCreatesSchemaOnceAndReopens(t *testing.T) {
	path := tempPath(t)
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Append(ctx, "order-1", eventstore.NoStream, events(3))
	if err != nil {
		t.Fatal(err)
	}
	if r.NextRevision != 2 || r.Position != 3 {
		t.Fatalf("append result %+v, want revision 2 at position 3", r)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "order-1", eventstore.Any, events(1)); !errors.Is(err, eventstore.ErrClosed) {
		t.Fatalf("Append after Close: %v, want ErrClosed", err)
	}
	if _, err := s.ReadAll(ctx, 0, 10); !errors.Is(err, eventstore.ErrClosed) {
		t.Fatalf("ReadAll after Close: %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	s = open(t, path, sqlite.Options{})
	got, err := s.ReadStream(ctx, "order-1", eventstore.ReadStreamOptions{})
	if err != nil || len(got) != 3 {
		t.Fatalf("after reopen: %d events, %v", len(got), err)
	}
	if r, err := s.Append(ctx, "order-1", eventstore.Exact(2), events(1)); err != nil || r.Position != 4 {
		t.Fatalf("append after reopen: %+v, %v", r, err)
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var versions, mode string
	if err := db.QueryRow("SELECT group_concat(version) FROM schema_migrations").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != "1,2,3" {
		t.Fatalf("schema_migrations holds %q, want each migration once", versions)
	}
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q (%v), want wal", mode, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := tempPath(t)
	open(t, path, sqlite.Options{}).Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO schema_migrations VALUES (99, 0)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := sqlite.Open(context.Background(), path, sqlite.Options{}); err == nil {
		s.Close()
		t.Fatal("Open accepted a schema from a newer program")
	}
}

func TestRecordedAtStampedInUTCMicroseconds(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 30, 45, 123456789, time.FixedZone("GST", 4*3600))
	s := open(t, tempPath(t), sqlite.Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	given := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	es := events(2)
	es[1].Metadata.RecordedAt = given
	if _, err := s.Append(ctx, "s", eventstore.Any, es); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, s)
	want := now.UTC().Truncate(time.Microsecond)
	if at := got[0].Metadata.RecordedAt; !at.Equal(want) || at.Location() != time.UTC {
		t.Fatalf("stamped %v, want %v in UTC", at, want)
	}
	if at := got[1].Metadata.RecordedAt; !at.Equal(given) {
		t.Fatalf("given RecordedAt came back as %v, want %v", at, given)
	}
	if got[0].Metadata.Actor.Role != "customer" || got[0].Metadata.CommandID != "cmd-1" {
		t.Fatalf("metadata lost: %+v", got[0].Metadata)
	}
}

// TestConcurrentOpensMigrateOnce: two processes starting on a new file at
// once must not both apply a migration (each step re-reads the version under
// the write lock).
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	path := tempPath(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := sqlite.Open(context.Background(), path, sqlite.Options{})
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n != 3 {
		t.Fatalf("schema_migrations has %d rows (%v), want 3", n, err)
	}
}
