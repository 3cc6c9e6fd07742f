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
	// a batch costs one round trip (one statement in autocommit) instead of
	// a round trip to read the state the checks need and another to write.
	// It is the only place that decides whether an append writes:
	//
	//   - the counter row is locked first (the cure for global order), unless
	//     seq is given (positions from a sequence: only the test that proves
	//     the cure matters passes it);
	//   - a request any of whose event IDs is stored writes nothing and gets
	//     the stored events back ('k' rows; the caller tells a faithful retry
	//     from a reused ID with eventstore.MatchRetry);
	//   - the others are taken in order, each on its own, against the
	//     revisions left by the ones before: the expected revision (kind 0
	//     any, 1 no stream, 2 stream exists, 3 exact) is checked against the
	//     stream, and the request fails alone ('c', with the stream's
	//     revision, NULL for no stream) or takes the positions after the
	//     counter ('w', with its first and last positions and last revision);
	//   - the events of the requests that passed are inserted, the streams'
	//     revisions and the counter moved, NOTIFY sent, once for the batch.
	//
	// Statements that touch tables are what costs (an executor run each), so
	// there is a fixed number per batch, whatever its size: reads first, then
	// the decisions in memory, then the writes. This needs the event IDs of
	// a batch to be distinct (the writer never batches two requests sharing
	// one; if it did, the events' unique key would fail the batch, not
	// corrupt it).
	//
	// Arguments, as arrays: the batch's distinct streams (s_id); per request
	// its stream (index into s_id), expectation (kind; rev for exact, -2 for
	// one no stream can have) and number of events; per event, in request
	// order, its request (index) and columns.
	2: `
CREATE FUNCTION %[1]s.append_batch(
	channel   text,
	seq       bigint[],
	s_id      text[],
	r_sidx    integer[],
	r_kind    smallint[],
	r_rev     bigint[],
	r_n       integer[],
	e_req     integer[],
	e_id      uuid[],
	e_type    text[],
	e_version integer[],
	e_data    json[],
	e_md      json[],
	e_at      timestamptz[])
RETURNS TABLE (o_req integer, o_kind "char", o_first bigint, o_position bigint,
	o_revision bigint, o_stream text, o_id text, o_type text)
LANGUAGE plpgsql
-- Every read here is by key, and must stay an index probe: the function's
-- plans are cached per session, and a plan made while the tables were small
-- (a hash join over a scan of events) would otherwise be kept as the store
-- grows, scanning every event on every batch. Without hash and merge joins
-- the lookups are nested loops over the keys, each an index probe.
-- (enable_seqscan = off would do it too, but it inflates the cost of the
-- counter row's scan past the JIT thresholds: hundreds of milliseconds of
-- compiling per batch.) JIT is off for the same reason: these statements
-- are short and JIT only adds to them.
SET enable_hashjoin = off
SET enable_mergejoin = off
SET jit = off
AS $fn$
DECLARE
	nreq  integer := coalesce(array_length(r_n, 1), 0);
	head  bigint;
	last  bigint;
	first bigint;
	off   integer := 0;
	n     integer;
	j     integer;
	cur   bigint;
	srev  bigint[];  -- per stream: its revision as the requests move it, -1: none
	sw    boolean[]; -- per stream: written
	kreqs integer[]; -- requests with stored event IDs
	wpos  bigint[];  -- per request: first position written, 0 if none
	wrev  bigint[];  -- per request: first revision written
	roff  integer[]; -- per request: events before it in the batch
	wrote boolean := false;
BEGIN
	-- Durability is this transaction's own business, whatever the session
	-- or role says: is_local, so it holds until (and for) the commit.
	PERFORM set_config('synchronous_commit', 'on', true);
	IF seq IS NULL THEN
		SELECT h.position INTO STRICT head FROM %[1]s.es_head h FOR UPDATE;
	END IF;

	-- A statement of its own after the lock: in READ COMMITTED a statement
	-- reads from a snapshot taken when it starts (in a VOLATILE function,
	-- the default, each statement takes a new one), so reads in the locking
	-- statement could miss the commit of the transaction it waited for.
	SELECT
		(SELECT array_agg(DISTINCT u.req)
			FROM unnest(e_id, e_req) AS u(id, req) JOIN %[1]s.events e ON e.event_id = u.id),
		ARRAY(SELECT coalesce(st.revision, -1)
			FROM unnest(s_id) WITH ORDINALITY AS u(id, k) LEFT JOIN %[1]s.streams st ON st.stream_id = u.id
			ORDER BY u.k)
	INTO kreqs, srev;
	IF kreqs IS NOT NULL THEN
		RETURN QUERY
			SELECT u.req, 'k'::"char", NULL::bigint, e.position, e.stream_revision, e.stream_id, e.event_id::text, e.type
			FROM unnest(e_id, e_req) AS u(id, req) JOIN %[1]s.events e ON e.event_id = u.id;
	END IF;
	sw := array_fill(false, ARRAY[coalesce(array_length(s_id, 1), 0)]);
	wpos := array_fill(0::bigint, ARRAY[nreq]);
	wrev := array_fill(0::bigint, ARRAY[nreq]);
	roff := array_fill(0, ARRAY[nreq]);

	FOR i IN 1 .. nreq LOOP
		n := r_n[i];
		roff[i] := off;
		off := off + n;
		CONTINUE WHEN kreqs IS NOT NULL AND i = ANY (kreqs);
		j := r_sidx[i];
		cur := srev[j];
		IF (CASE r_kind[i]
				WHEN 0 THEN true
				WHEN 1 THEN cur < 0
				WHEN 2 THEN cur >= 0
				ELSE cur = r_rev[i]
			END) THEN
			IF seq IS NULL THEN
				first := head + 1;
				head := head + n;
				last := head;
			ELSE
				first := seq[roff[i] + 1];
				last := seq[off];
			END IF;
			wpos[i] := first;
			wrev[i] := cur + 1;
			srev[j] := cur + n;
			sw[j] := true;
			wrote := true;
			o_req := i; o_kind := 'w'; o_first := first; o_position := last; o_revision := cur + n;
		ELSE
			o_req := i; o_kind := 'c'; o_first := NULL; o_position := NULL;
			o_revision := CASE WHEN cur >= 0 THEN cur END;
		END IF;
		RETURN NEXT;
	END LOOP;

	IF wrote THEN
		-- One statement: each data-modifying WITH runs whether or not it
		-- is referenced.
		WITH ins AS (
			INSERT INTO %[1]s.events AS e (position, stream_id, stream_revision, event_id, type, schema_version, data, metadata, recorded_at)
			SELECT coalesce(seq[u.ord], wpos[u.req] + (u.ord - 1 - roff[u.req])), s_id[r_sidx[u.req]],
				wrev[u.req] + (u.ord - 1 - roff[u.req]), u.id, u.t, u.v, u.d, u.m, u.a
			FROM unnest(e_req, e_id, e_type, e_version, e_data, e_md, e_at)
				WITH ORDINALITY AS u(req, id, t, v, d, m, a, ord)
			WHERE wpos[u.req] <> 0
		), up AS (
			INSERT INTO %[1]s.streams AS st (stream_id, revision)
			SELECT u.id, u.rev FROM unnest(s_id, srev, sw) AS u(id, rev, w) WHERE u.w
			ON CONFLICT ON CONSTRAINT streams_pkey DO UPDATE SET revision = excluded.revision
		)
		UPDATE %[1]s.es_head SET position = head WHERE seq IS NULL;
		PERFORM pg_notify(channel, last::text);
	END IF;
END
$fn$;
`,
	// 3: tamper evidence (see eventstore/integrity). Each event's hash,
	// chained in its stream, and its global hash, chained over positions,
	// computed by append_batch under the counter lock from the content
	// digests the writer computes in Go (e_digest), reading the hashes to
	// chain to in the same statement as the revisions; the signed
	// checkpoints, which the Go writer stores (the key never reaches the
	// server). Events already stored are hashed by fillHashes after this
	// SQL, in the same transaction. Otherwise append_batch is migration 2's.
	3: `
ALTER TABLE %[1]s.events ADD COLUMN hash bytea, ADD COLUMN global_hash bytea;
CREATE TABLE %[1]s.checkpoints (
	position    bigint      PRIMARY KEY,
	global_hash bytea       NOT NULL,
	signature   bytea       NOT NULL,
	created_at  timestamptz NOT NULL DEFAULT now()
);
DROP FUNCTION %[1]s.append_batch(text, bigint[], text[], integer[], smallint[], bigint[], integer[],
	integer[], uuid[], text[], integer[], json[], json[], timestamptz[]);
CREATE FUNCTION %[1]s.append_batch(
	channel   text,
	seq       bigint[],
	s_id      text[],
	r_sidx    integer[],
	r_kind    smallint[],
	r_rev     bigint[],
	r_n       integer[],
	e_req     integer[],
	e_id      uuid[],
	e_type    text[],
	e_version integer[],
	e_data    json[],
	e_md      json[],
	e_at      timestamptz[],
	e_digest  bytea[])
RETURNS TABLE (o_req integer, o_kind "char", o_first bigint, o_position bigint,
	o_revision bigint, o_stream text, o_id text, o_type text)
LANGUAGE plpgsql
-- Every read here is by key, and must stay an index probe: the function's
-- plans are cached per session, and a plan made while the tables were small
-- (a hash join over a scan of events) would otherwise be kept as the store
-- grows, scanning every event on every batch. Without hash and merge joins
-- the lookups are nested loops over the keys, each an index probe.
-- (enable_seqscan = off would do it too, but it inflates the cost of the
-- counter row's scan past the JIT thresholds: hundreds of milliseconds of
-- compiling per batch.) JIT is off for the same reason: these statements
-- are short and JIT only adds to them.
SET enable_hashjoin = off
SET enable_mergejoin = off
SET jit = off
AS $fn$
DECLARE
	nreq  integer := coalesce(array_length(r_n, 1), 0);
	head  bigint;
	last  bigint;
	first bigint;
	off   integer := 0;
	n     integer;
	j     integer;
	cur   bigint;
	srev  bigint[];  -- per stream: its revision as the requests move it, -1: none
	sw    boolean[]; -- per stream: written
	kreqs integer[]; -- requests with stored event IDs
	wpos  bigint[];  -- per request: first position written, 0 if none
	wrev  bigint[];  -- per request: first revision written
	roff  integer[]; -- per request: events before it in the batch
	wrote boolean := false;
	sh    bytea[];   -- per stream: the hash of its last event, as the batch moves it
	g     bytea;     -- the global hash of the last position, as the batch moves it
	eh    bytea[];   -- per event: its hash, NULL if not written
	eg    bytea[];   -- per event: its global hash
	h     bytea;
	q     integer;   -- an event's request
	zero  constant bytea := decode(repeat('00', 32), 'hex');
BEGIN
	-- Durability is this transaction's own business, whatever the session
	-- or role says: is_local, so it holds until (and for) the commit.
	PERFORM set_config('synchronous_commit', 'on', true);
	IF seq IS NULL THEN
		SELECT h.position INTO STRICT head FROM %[1]s.es_head h FOR UPDATE;
	END IF;

	-- A statement of its own after the lock: in READ COMMITTED a statement
	-- reads from a snapshot taken when it starts (in a VOLATILE function,
	-- the default, each statement takes a new one), so reads in the locking
	-- statement could miss the commit of the transaction it waited for.
	-- The hashes the batch chains to are read here too, under the lock:
	-- each stream's last event's and the last position's.
	SELECT
		(SELECT array_agg(DISTINCT u.req)
			FROM unnest(e_id, e_req) AS u(id, req) JOIN %[1]s.events e ON e.event_id = u.id),
		ARRAY(SELECT coalesce(st.revision, -1)
			FROM unnest(s_id) WITH ORDINALITY AS u(id, k) LEFT JOIN %[1]s.streams st ON st.stream_id = u.id
			ORDER BY u.k),
		ARRAY(SELECT e.hash
			FROM unnest(s_id) WITH ORDINALITY AS u(id, k) LEFT JOIN %[1]s.streams st ON st.stream_id = u.id
				LEFT JOIN %[1]s.events e ON e.stream_id = st.stream_id AND e.stream_revision = st.revision
			ORDER BY u.k),
		(SELECT e.global_hash FROM %[1]s.events e WHERE e.position = head)
	INTO kreqs, srev, sh, g;
	IF kreqs IS NOT NULL THEN
		RETURN QUERY
			SELECT u.req, 'k'::"char", NULL::bigint, e.position, e.stream_revision, e.stream_id, e.event_id::text, e.type
			FROM unnest(e_id, e_req) AS u(id, req) JOIN %[1]s.events e ON e.event_id = u.id;
	END IF;
	sw := array_fill(false, ARRAY[coalesce(array_length(s_id, 1), 0)]);
	wpos := array_fill(0::bigint, ARRAY[nreq]);
	wrev := array_fill(0::bigint, ARRAY[nreq]);
	roff := array_fill(0, ARRAY[nreq]);

	FOR i IN 1 .. nreq LOOP
		n := r_n[i];
		roff[i] := off;
		off := off + n;
		CONTINUE WHEN kreqs IS NOT NULL AND i = ANY (kreqs);
		j := r_sidx[i];
		cur := srev[j];
		IF (CASE r_kind[i]
				WHEN 0 THEN true
				WHEN 1 THEN cur < 0
				WHEN 2 THEN cur >= 0
				ELSE cur = r_rev[i]
			END) THEN
			IF seq IS NULL THEN
				first := head + 1;
				head := head + n;
				last := head;
			ELSE
				first := seq[roff[i] + 1];
				last := seq[off];
			END IF;
			wpos[i] := first;
			wrev[i] := cur + 1;
			srev[j] := cur + n;
			sw[j] := true;
			wrote := true;
			o_req := i; o_kind := 'w'; o_first := first; o_position := last; o_revision := cur + n;
		ELSE
			o_req := i; o_kind := 'c'; o_first := NULL; o_position := NULL;
			o_revision := CASE WHEN cur >= 0 THEN cur END;
		END IF;
		RETURN NEXT;
	END LOOP;

	IF wrote AND seq IS NULL AND e_digest IS NOT NULL THEN
		-- The chains (see eventstore/integrity): events in batch order are
		-- in position order and in revision order within each stream, so
		-- each links to the one before it, in this batch or stored.
		eh := array_fill(NULL::bytea, ARRAY[off]);
		eg := array_fill(NULL::bytea, ARRAY[off]);
		FOR k IN 1 .. off LOOP
			q := e_req[k];
			CONTINUE WHEN wpos[q] = 0;
			j := r_sidx[q];
			h := sha256(coalesce(sh[j], zero) || int8send(wrev[q] + (k - 1 - roff[q])) || e_digest[k]);
			g := sha256(coalesce(g, zero) || int8send(wpos[q] + (k - 1 - roff[q])) || h);
			sh[j] := h;
			eh[k] := h;
			eg[k] := g;
		END LOOP;
	END IF;

	IF wrote THEN
		-- One statement: each data-modifying WITH runs whether or not it
		-- is referenced.
		WITH ins AS (
			INSERT INTO %[1]s.events AS e (position, stream_id, stream_revision, event_id, type, schema_version, data, metadata, recorded_at, hash, global_hash)
			SELECT coalesce(seq[u.ord], wpos[u.req] + (u.ord - 1 - roff[u.req])), s_id[r_sidx[u.req]],
				wrev[u.req] + (u.ord - 1 - roff[u.req]), u.id, u.t, u.v, u.d, u.m, u.a, eh[u.ord], eg[u.ord]
			FROM unnest(e_req, e_id, e_type, e_version, e_data, e_md, e_at)
				WITH ORDINALITY AS u(req, id, t, v, d, m, a, ord)
			WHERE wpos[u.req] <> 0
		), up AS (
			INSERT INTO %[1]s.streams AS st (stream_id, revision)
			SELECT u.id, u.rev FROM unnest(s_id, srev, sw) AS u(id, rev, w) WHERE u.w
			ON CONFLICT ON CONSTRAINT streams_pkey DO UPDATE SET revision = excluded.revision
		)
		UPDATE %[1]s.es_head SET position = head WHERE seq IS NULL;
		PERFORM pg_notify(channel, last::text);
	END IF;
END
$fn$;
`,
	// 4: chained checkpoints (see eventstore/integrity): each signs its
	// sequence number and the previous one's signature, kept here, so a
	// checkpoint deleted in the middle is found. Rows signed before keep
	// seq NULL and are checked as they were signed. A new migration, not
	// an edit of 3: schemas already at 3 would never get the columns.
	4: `
ALTER TABLE %[1]s.checkpoints ADD COLUMN seq bigint UNIQUE CHECK (seq > 0), ADD COLUMN previous bytea;
`,
}

// fills are the Go steps of migrations, run after their SQL in the same
// transaction; q is the quoted schema.
var fills = map[int]func(ctx context.Context, tx pgx.Tx, q string) error{
	3: fillHashes,
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
			if fill := fills[v]; fill != nil {
				if err := fill(ctx, tx, q); err != nil {
					return fmt.Errorf("migration %d: %w", v, err)
				}
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
