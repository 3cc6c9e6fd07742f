package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/testenv/pgtest"
)

// TestMigrationChainsEventsStoredBefore: a schema written before tamper
// evidence (migrations 1 and 2) gets its events hashed by migration 3, in
// position order, so they verify, new appends chain onto them, and an edit
// of an old event is caught.
func TestMigrationChainsEventsStoredBefore(t *testing.T) {
	ctx := context.Background()
	url, schema := pgtest.Schema(t, "es_migrate")
	q := pgx.Identifier{schema}.Sanitize()
	db, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	setup := []string{
		`CREATE SCHEMA ` + q,
		`CREATE TABLE ` + q + `.schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
		fmt.Sprintf(migrations[1], q),
		fmt.Sprintf(migrations[2], q),
		`INSERT INTO ` + q + `.schema_migrations (version) VALUES (1), (2)`,
	}
	for _, s := range setup {
		if _, err := db.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	const old = fillPage + 5 // more than one page of the back-fill
	if _, err := db.Exec(ctx, `INSERT INTO `+q+`.events
		SELECT i, 'order-' || (i % 4), (i - 1) / 4, gen_random_uuid(), 'order.noted', 1,
			format('{"i":%s}', i)::json, '{"command_id":"c"}'::json, now()
		FROM generate_series(1, $1) AS i`, old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO `+q+`.streams SELECT stream_id, max(stream_revision) FROM `+q+`.events GROUP BY stream_id`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE `+q+`.es_head SET position = $1`, old); err != nil {
		t.Fatal(err)
	}

	opts := Options{Schema: schema, IntegrityKey: []byte("migration-test-key-0123456789abc")}
	s, err := Open(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "order-1", eventstore.Any, []eventstore.EventData{{ID: uuid.NewString(), Type: "order.noted", SchemaVersion: 1, Data: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	problems, err := s.VerifyIntegrity(ctx, nil)
	if err != nil || len(problems) != 0 {
		t.Fatalf("after migrating: %v, %v; want no problem", problems, err)
	}
	s.Close()

	if _, err := db.Exec(ctx, `UPDATE `+q+`.events SET data = '{"i":-1}' WHERE position = 100`); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(ctx, url, opts); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	problems, err = s.VerifyIntegrity(ctx, nil)
	if err != nil || len(problems) != 1 || problems[0].Position != 100 || problems[0].Kind != eventstore.IntegrityEdited {
		t.Fatalf("after editing position 100: %v, %v; want it reported as edited", problems, err)
	}
}
