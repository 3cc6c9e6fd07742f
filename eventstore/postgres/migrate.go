package postgres

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are applied in order, each once; a released migration is never
// edited, a change is a new one. %[1]s is the quoted schema.
var migrations = []string{
	1: `
CREATE TABLE %[1]s.events (
	position        bigint      PRIMARY KEY,
	stream_id       text        NOT NULL,
	stream_revision bigint      NOT NULL,
	event_id        uuid        NOT NULL UNIQUE,
	type            text        NOT NULL,
	schema_version  integer     NOT NULL,
	data            json        NOT NULL, -- json, not jsonb: the exact bytes are kept
	metadata        json        NOT NULL,
	recorded_at     timestamptz NOT NULL,
	UNIQUE (stream_id, stream_revision)
);
CREATE TABLE %[1]s.streams (
	stream_id text   PRIMARY KEY,
	revision  bigint NOT NULL -- revision of the stream's last event
);
-- The one-row counter whose row lock serializes position assignment.
CREATE TABLE %[1]s.es_head (
	id       boolean PRIMARY KEY DEFAULT true CHECK (id),
	position bigint  NOT NULL
);
INSERT INTO %[1]s.es_head (id, position) VALUES (true, 0);
`,
}

// migrate creates the schema and applies the migrations it lacks, in one
// transaction under an advisory lock keyed by the schema name, so processes
// starting together apply each migration exactly once.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	q := pgx.Identifier{schema}.Sanitize()
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey(schema)); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+q); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+q+`.schema_migrations (
			version    integer     PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+q+`.schema_migrations`).Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if current > len(migrations)-1 {
			return fmt.Errorf("schema %s is at version %d, newer than this build knows (%d)", schema, current, len(migrations)-1)
		}
		for v := current + 1; v < len(migrations); v++ {
			if _, err := tx.Exec(ctx, fmt.Sprintf(migrations[v], q)); err != nil {
				return fmt.Errorf("migration %d: %w", v, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO `+q+`.schema_migrations (version) VALUES ($1)`, v); err != nil {
				return fmt.Errorf("record migration %d: %w", v, err)
			}
		}
		return nil
	})
}

// lockKey is the advisory lock of one schema's migrations.
func lockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("souq/eventstore/postgres:" + schema))
	return int64(h.Sum64())
}
