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
	// append_batch decides and writes one group-commit batch in one call, so
	// a batch costs one round trip (BEGIN, this call and COMMIT pipelined)
	// instead of a round trip to read the state the checks need and another
	// to write. It is the only place that decides whether an append writes:
	//
	//   - the counter row is locked first (the cure for global order), unless
	//     seq is given (positions from a sequence: only the test that proves
	//     the cure matters passes it);
	//   - requests are taken in order, each on its own, and see the rows the
	//     earlier ones wrote: a request any of whose event IDs is stored
	//     writes nothing and gets the stored events back ('k' rows; the
	//     caller tells a faithful retry from a reused ID with
	//     eventstore.MatchRetry); else its expected revision is checked
	//     against the stream (kind 0 any, 1 no stream, 2 stream exists,
	//     3 exact) and it fails alone ('c', with the stream's revision, NULL
	//     for no stream) or writes its events after the counter ('w', with
	//     its first and last positions and last revision);
	//   - the counter moves and NOTIFY is sent once, if anything was written.
	//
	// Requests arrive as arrays: per request its stream, expectation and
	// number of events; per event, concatenated in request order, its
	// columns.
	2: `
CREATE FUNCTION %[1]s.append_batch(
	channel   text,
	seq       bigint[],
	r_stream  text[],
	r_kind    smallint[],
	r_rev     bigint[],
	r_n       integer[],
	e_id      uuid[],
	e_type    text[],
	e_version integer[],
	e_data    json[],
	e_md      json[],
	e_at      timestamptz[])
RETURNS TABLE (o_req integer, o_kind "char", o_first bigint, o_position bigint,
	o_revision bigint, o_stream text, o_id text, o_type text)
LANGUAGE plpgsql AS $fn$
DECLARE
	head  bigint;
	last  bigint;
	off   integer := 0;
	n     integer;
	cur   bigint;
	first bigint;
	wrote boolean := false;
BEGIN
	-- Durability is this transaction's own business, whatever the session
	-- or role says: is_local, so it holds until (and for) the commit.
	PERFORM set_config('synchronous_commit', 'on', true);
	IF seq IS NULL THEN
		SELECT h.position INTO STRICT head FROM %[1]s.es_head h FOR UPDATE;
	END IF;
	FOR i IN 1 .. coalesce(array_length(r_stream, 1), 0) LOOP
		n := r_n[i];
		RETURN QUERY
			SELECT i, 'k'::"char", NULL::bigint, e.position, e.stream_revision, e.stream_id, e.event_id::text, e.type
			FROM %[1]s.events e
			WHERE e.event_id = ANY (e_id[off + 1 : off + n]);
		IF NOT FOUND THEN
			SELECT s.revision INTO cur FROM %[1]s.streams s WHERE s.stream_id = r_stream[i];
			IF coalesce(CASE r_kind[i]
					WHEN 0 THEN true
					WHEN 1 THEN cur IS NULL
					WHEN 2 THEN cur IS NOT NULL
					WHEN 3 THEN cur = r_rev[i]
				END, false) THEN
				IF seq IS NULL THEN
					first := head + 1;
					head := head + n;
					last := head;
				ELSE
					first := seq[off + 1];
					last := seq[off + n];
				END IF;
				INSERT INTO %[1]s.events AS e (position, stream_id, stream_revision, event_id, type, schema_version, data, metadata, recorded_at)
				SELECT coalesce(u.p, first - 1 + u.k), r_stream[i], coalesce(cur, -1) + u.k, u.id, u.t, u.v, u.d, u.m, u.a
				FROM unnest(e_id[off + 1 : off + n], e_type[off + 1 : off + n], e_version[off + 1 : off + n],
					e_data[off + 1 : off + n], e_md[off + 1 : off + n], e_at[off + 1 : off + n], seq[off + 1 : off + n])
					WITH ORDINALITY AS u(id, t, v, d, m, a, p, k);
				INSERT INTO %[1]s.streams AS s (stream_id, revision) VALUES (r_stream[i], coalesce(cur, -1) + n)
				ON CONFLICT ON CONSTRAINT streams_pkey DO UPDATE SET revision = excluded.revision;
				wrote := true;
				RETURN QUERY SELECT i, 'w'::"char", first, last, coalesce(cur, -1) + n, NULL::text, NULL::text, NULL::text;
			ELSE
				RETURN QUERY SELECT i, 'c'::"char", NULL::bigint, NULL::bigint, cur, NULL::text, NULL::text, NULL::text;
			END IF;
		END IF;
		off := off + n;
	END LOOP;
	IF wrote THEN
		IF seq IS NULL THEN
			UPDATE %[1]s.es_head SET position = head;
		END IF;
		PERFORM pg_notify(channel, last::text);
	END IF;
END
$fn$;
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
