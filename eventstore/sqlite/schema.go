package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migration is one schema step: SQL, then optionally Go over the data in
// the same transaction.
type migration struct {
	sql  string
	fill func(ctx context.Context, conn *sql.Conn) error
}

// migrations returns the schema steps, applied in order, each once and in its
// own transaction; migration N is migrations()[N-1]. Never edit one that has
// shipped: append a new one. A function, not a package variable, so nothing
// can change it.
func migrations() []migration {
	return []migration{
		// 1: the events and the streams' last revisions.
		{sql: `CREATE TABLE events (
		position        INTEGER PRIMARY KEY CHECK (position > 0),
		stream_id       TEXT    NOT NULL,
		stream_revision INTEGER NOT NULL CHECK (stream_revision >= 0),
		event_id        TEXT    NOT NULL UNIQUE,
		type            TEXT    NOT NULL,
		schema_version  INTEGER NOT NULL CHECK (schema_version >= 1),
		data            TEXT    NOT NULL,
		metadata        TEXT    NOT NULL,
		recorded_at     INTEGER NOT NULL, -- unix microseconds, for queries by time
		UNIQUE (stream_id, stream_revision)
	) STRICT;
	CREATE TABLE streams (
		stream_id TEXT    PRIMARY KEY,
		revision  INTEGER NOT NULL CHECK (revision >= 0)
	) STRICT, WITHOUT ROWID;`},
		// 2: tamper evidence (see eventstore/integrity): each event's hash
		// chained in its stream and in the global order, filled for the
		// events already stored, and the signed checkpoints.
		{sql: `ALTER TABLE events ADD COLUMN hash BLOB;
	ALTER TABLE events ADD COLUMN global_hash BLOB;
	CREATE TABLE checkpoints (
		position    INTEGER PRIMARY KEY CHECK (position > 0),
		global_hash BLOB    NOT NULL,
		signature   BLOB    NOT NULL,
		created_at  INTEGER NOT NULL -- unix seconds
	) STRICT;`, fill: fillHashes},
		// 3: chained checkpoints (see eventstore/integrity): each signs its
		// sequence number and the previous one's signature, kept here, so
		// a checkpoint deleted in the middle is found. Rows signed before
		// keep seq NULL and are checked as they were signed.
		{sql: `ALTER TABLE checkpoints ADD COLUMN seq INTEGER CHECK (seq > 0);
	ALTER TABLE checkpoints ADD COLUMN previous BLOB;
	CREATE UNIQUE INDEX checkpoints_seq ON checkpoints (seq);`},
	}
}

// migrate brings the schema up to date. Each step takes the write lock
// (BEGIN IMMEDIATE) and re-reads the version under it, so two processes
// opening the same new file apply every migration once.
func migrate(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("sqlite: create schema_migrations: %w", err)
	}
	steps := migrations()
	for {
		done, err := migrateOne(ctx, conn, steps)
		if err != nil || done {
			return err
		}
	}
}

func migrateOne(ctx context.Context, conn *sql.Conn, migrations []migration) (done bool, err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return false, fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	var current int
	if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current); err != nil {
		return false, fmt.Errorf("sqlite: read schema version: %w", err)
	}
	if current > len(migrations) {
		return false, fmt.Errorf("sqlite: schema version %d is newer than this program knows (%d)", current, len(migrations))
	}
	if current == len(migrations) {
		if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
			return false, fmt.Errorf("sqlite: migrate: %w", err)
		}
		return true, nil
	}
	next := current + 1
	step := migrations[next-1]
	if _, err := conn.ExecContext(ctx, step.sql); err != nil {
		return false, fmt.Errorf("sqlite: migration %d: %w", next, err)
	}
	if step.fill != nil {
		if err := step.fill(ctx, conn); err != nil {
			return false, fmt.Errorf("sqlite: migration %d: %w", next, err)
		}
	}
	if _, err := conn.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, unixepoch())", next); err != nil {
		return false, fmt.Errorf("sqlite: record migration %d: %w", next, err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return false, fmt.Errorf("sqlite: commit migration %d: %w", next, err)
	}
	return false, nil
}
