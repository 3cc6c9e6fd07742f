package keyring

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // the "sqlite" database/sql driver

	"github.com/souq-market/souq/internal/pii"
)

// Table holds one row per subject: its data key, or a tombstone (key NULL,
// forgotten_at set) once forgotten.
const Table = "pii_keys"

// Options tune a keyring.
type Options struct {
	// MasterKey, when set (32 bytes), wraps every data key (AES-256-GCM,
	// the subject as associated data) before it is stored, so a copy of
	// the database alone opens nothing. Keep it outside the database.
	//
	// The keyring opens only when its stored keys agree with this setting
	// (see Open's checks): keys stored unwrapped before a master key was
	// set are wrapped by the first open with one; keys stored wrapped
	// refuse an open without it (ErrMasterKeyMissing) or with another
	// (ErrWrongMasterKey), and Unwrap turns them back into plain keys.
	MasterKey []byte
	Logger    *slog.Logger
}

var (
	// ErrMasterKeyMissing: the keyring holds keys wrapped by a master key
	// and none was given; without it they open nothing.
	ErrMasterKeyMissing = errors.New("keyring: the stored keys are wrapped by a master key and none was given")
	// ErrWrongMasterKey: the stored keys were wrapped by another master key.
	ErrWrongMasterKey = errors.New("keyring: the stored keys do not open with this master key")
)

// wrappedSize is a data key wrapped: nonce, key, GCM tag. A stored key is
// either pii.KeySize bytes (plain) or this (wrapped); the lengths tell
// which.
const wrappedSize = 12 + pii.KeySize + 16

// SQL is a pii.Keyring in a table beside the events. It keeps no cache: a
// key is read from the table on every call, so a Forget by any process
// holds for every other at once.
type SQL struct {
	db       *sql.DB
	postgres bool
	table    string
	master   cipher.AEAD
	log      *slog.Logger
}

var _ pii.Keyring = (*SQL)(nil)

// OpenSQLite opens the keyring in the SQLite event-store file at path, on a
// pool of its own with secure_delete on: a deleted key's bytes are
// overwritten with zeros in the file, not merely unlinked.
func OpenSQLite(ctx context.Context, path string, opts Options) (*SQL, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=secure_delete(1)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("keyring: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return open(ctx, db, false, Table, opts)
}

// OpenPostgres opens the keyring in schema (created if absent) of the
// PostgreSQL server at url: the event store's database and schema.
func OpenPostgres(ctx context.Context, url, schema string, opts Options) (*SQL, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	table := Table
	if schema != "" {
		if _, err := db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("keyring: create schema %s: %w", schema, err)
		}
		table = pgx.Identifier{schema, Table}.Sanitize()
	}
	return open(ctx, db, true, table, opts)
}

func open(ctx context.Context, db *sql.DB, postgres bool, table string, opts Options) (*SQL, error) {
	k := &SQL{db: db, postgres: postgres, table: table, log: opts.Logger}
	if k.log == nil {
		k.log = slog.New(slog.DiscardHandler)
	}
	if opts.MasterKey != nil {
		block, err := aes.NewCipher(opts.MasterKey)
		if err == nil && len(opts.MasterKey) != pii.KeySize {
			err = fmt.Errorf("a master key is %d bytes, not %d", pii.KeySize, len(opts.MasterKey))
		}
		if err == nil {
			k.master, err = cipher.NewGCM(block)
		}
		if err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("keyring: master key: %w", err)
		}
	}
	blob := "BLOB"
	if postgres {
		blob = "BYTEA"
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+table+` (
		subject      TEXT PRIMARY KEY,
		key          `+blob+`,
		created_at   BIGINT NOT NULL,
		forgotten_at BIGINT
	)`); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("keyring: create %s: %w", table, err)
	}
	if err := k.reconcile(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return k, nil
}

// reconcile makes the stored keys agree with the master-key setting, or
// refuses to open, so that no key is ever found unreadable later, one read
// at a time: without a master key, no stored key may be wrapped; with one,
// a wrapped key must open with it (one is tried: a master key is the same
// for all), and keys stored plain before it was set are wrapped now, in
// one transaction (a compare-and-set per row, so two processes starting
// at once wrap each key once).
func (k *SQL) reconcile(ctx context.Context) error {
	var plain, wrapped int64
	if err := k.db.QueryRowContext(ctx, k.q(`SELECT
		COALESCE(SUM(CASE WHEN length(key) = ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN length(key) <> ? THEN 1 ELSE 0 END), 0)
		FROM {t} WHERE key IS NOT NULL`), pii.KeySize, pii.KeySize).Scan(&plain, &wrapped); err != nil {
		return fmt.Errorf("keyring: count the stored keys: %w", err)
	}
	if k.master == nil {
		if wrapped > 0 {
			return fmt.Errorf("%w (%d of %d keys)", ErrMasterKeyMissing, wrapped, plain+wrapped)
		}
		return nil
	}
	if wrapped > 0 {
		var subject string
		var stored []byte
		if err := k.db.QueryRowContext(ctx, k.q(`SELECT subject, key FROM {t} WHERE key IS NOT NULL AND length(key) <> ? LIMIT 1`), pii.KeySize).Scan(&subject, &stored); err != nil {
			return fmt.Errorf("keyring: read a wrapped key: %w", err)
		}
		if _, err := k.unwrap(subject, stored); err != nil {
			return fmt.Errorf("%w: %w", ErrWrongMasterKey, err)
		}
	}
	if plain == 0 {
		return nil
	}
	n, err := k.rewrite(ctx, `length(key) = ?`, k.wrap)
	if err != nil {
		return err
	}
	k.log.Info("keyring: wrapped the data keys stored before the master key was set", slog.Int("keys", n))
	return nil
}

// Unwrap stores every wrapped key plain again, for a deployment giving up
// its master key: run it with the master key, then start without. The
// keyring itself is then of no further use (it still wraps): close it.
func (k *SQL) Unwrap(ctx context.Context) (int, error) {
	if k.master == nil {
		return 0, ErrMasterKeyMissing
	}
	return k.rewrite(ctx, `length(key) <> ?`, k.unwrap)
}

// rewrite replaces, in one transaction, each stored key matching where
// (one ? parameter, given pii.KeySize) with convert(key).
func (k *SQL) rewrite(ctx context.Context, where string, convert func(subject string, key []byte) ([]byte, error)) (int, error) {
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("keyring: rewrite keys: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := tx.QueryContext(ctx, k.q(`SELECT subject, key FROM {t} WHERE key IS NOT NULL AND `+where), pii.KeySize)
	if err != nil {
		return 0, fmt.Errorf("keyring: rewrite keys: %w", err)
	}
	type row struct {
		subject  string
		old, new []byte
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.subject, &r.old); err != nil {
			_ = rows.Close()
			return 0, fmt.Errorf("keyring: rewrite keys: %w", err)
		}
		todo = append(todo, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, fmt.Errorf("keyring: rewrite keys: %w", err)
	}
	n := 0
	for _, r := range todo {
		if r.new, err = convert(r.subject, r.old); err != nil {
			return 0, err
		}
		res, err := tx.ExecContext(ctx, k.q(`UPDATE {t} SET key = ? WHERE subject = ? AND key = ?`), r.new, r.subject, r.old)
		if err != nil {
			return 0, fmt.Errorf("keyring: rewrite the key of %s: %w", r.subject, err)
		}
		if done, err := res.RowsAffected(); err == nil {
			n += int(done)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("keyring: rewrite keys: %w", err)
	}
	return n, nil
}

// Close closes the keyring's pool.
func (k *SQL) Close() error { return k.db.Close() }

// q writes ? parameters as $n for PostgreSQL.
func (k *SQL) q(query string) string {
	query = strings.ReplaceAll(query, "{t}", k.table)
	if !k.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (k *SQL) Key(ctx context.Context, subject string, create bool) ([]byte, error) {
	key, err := k.read(ctx, subject)
	if !errors.Is(err, pii.ErrNoKey) || !create {
		return key, err
	}
	fresh, err := pii.NewKey()
	if err != nil {
		return nil, err
	}
	stored, err := k.wrap(subject, fresh)
	if err != nil {
		return nil, err
	}
	// Two processes racing: the first insert wins, both read it back.
	if _, err := k.db.ExecContext(ctx, k.q(`INSERT INTO {t} (subject, key, created_at) VALUES (?, ?, ?) ON CONFLICT (subject) DO NOTHING`),
		subject, stored, time.Now().UnixNano()); err != nil {
		return nil, fmt.Errorf("keyring: create the key of %s: %w", subject, err)
	}
	return k.read(ctx, subject)
}

func (k *SQL) read(ctx context.Context, subject string) ([]byte, error) {
	var stored []byte
	var forgotten sql.NullInt64
	err := k.db.QueryRowContext(ctx, k.q(`SELECT key, forgotten_at FROM {t} WHERE subject = ?`), subject).Scan(&stored, &forgotten)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, pii.ErrNoKey
	case err != nil:
		return nil, fmt.Errorf("keyring: read the key of %s: %w", subject, err)
	case forgotten.Valid || stored == nil:
		return nil, pii.ErrForgotten
	}
	return k.unwrap(subject, stored)
}

// keysPerQuery bounds the parameters of one look-up (SQLite allows 32,766).
const keysPerQuery = 500

func (k *SQL) Keys(ctx context.Context, subjects []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(subjects))
	for len(subjects) > 0 {
		n := min(len(subjects), keysPerQuery)
		args := make([]any, n)
		for i, s := range subjects[:n] {
			args[i] = s
		}
		rows, err := k.db.QueryContext(ctx, k.q(`SELECT subject, key FROM {t} WHERE forgotten_at IS NULL AND key IS NOT NULL AND subject IN (?`+strings.Repeat(", ?", n-1)+`)`), args...)
		if err != nil {
			return nil, fmt.Errorf("keyring: read %d keys: %w", n, err)
		}
		for rows.Next() {
			var subject string
			var stored []byte
			if err := rows.Scan(&subject, &stored); err != nil {
				_ = rows.Close()
				return nil, fmt.Errorf("keyring: read keys: %w", err)
			}
			key, err := k.unwrap(subject, stored)
			if err != nil {
				_ = rows.Close()
				return nil, err
			}
			out[subject] = key
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("keyring: read keys: %w", err)
		}
		subjects = subjects[n:]
	}
	return out, nil
}

// Forget deletes the key row and writes a tombstone in one transaction. On
// SQLite, secure_delete zeroes the deleted row's bytes in the page, and a
// TRUNCATE checkpoint then moves the page into the file and empties the
// WAL, whose older frames still held the key; if a reader holds the WAL
// open the checkpoint cannot finish, which is logged: those frames are
// overwritten as the WAL wraps.
func (k *SQL) Forget(ctx context.Context, subject string) error {
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("keyring: forget %s: %w", subject, err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, k.q(`DELETE FROM {t} WHERE subject = ?`), subject); err != nil {
		return fmt.Errorf("keyring: forget %s: %w", subject, err)
	}
	now := time.Now().UnixNano()
	if _, err := tx.ExecContext(ctx, k.q(`INSERT INTO {t} (subject, key, created_at, forgotten_at) VALUES (?, NULL, ?, ?)`), subject, now, now); err != nil {
		return fmt.Errorf("keyring: forget %s: %w", subject, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("keyring: forget %s: %w", subject, err)
	}
	if !k.postgres {
		busy, err := k.truncateWAL(ctx)
		if err != nil || busy != 0 {
			k.log.Warn("keyring: the WAL still holds frames from before the forget until it wraps", slog.Any("error", err), slog.Int("busy", busy))
		}
	}
	return nil
}

// truncateWAL empties the WAL, where the deleted key's frames may linger,
// without waiting: a TRUNCATE checkpoint blocks new writers while it waits
// for readers, so with the pool's busy timeout a forget during a long read
// would stall the event store's appends until they failed.
func (k *SQL) truncateWAL(ctx context.Context) (busy int, err error) {
	conn, err := k.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { _ = conn.Close() }()
	var timeout int
	if err := conn.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&timeout); err != nil {
		return 0, err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 0`); err != nil {
		return 0, err
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA busy_timeout = %d`, timeout))
	}()
	var logFrames, checkpointed int
	err = conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &checkpointed)
	return busy, err
}

func (k *SQL) wrap(subject string, key []byte) ([]byte, error) {
	if k.master == nil {
		return key, nil
	}
	nonce := make([]byte, k.master.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	return k.master.Seal(nonce, nonce, key, []byte(subject)), nil
}

func (k *SQL) unwrap(subject string, stored []byte) ([]byte, error) {
	if k.master == nil {
		if len(stored) != pii.KeySize {
			return nil, fmt.Errorf("%w: the key of %s is %d bytes", ErrMasterKeyMissing, subject, len(stored))
		}
		return stored, nil
	}
	n := k.master.NonceSize()
	if len(stored) != wrappedSize {
		// Plain: stored after this process started, by one without the
		// master key; the next start wraps it.
		return nil, fmt.Errorf("keyring: the key of %s is not wrapped (stored by a process without the master key? restarting with it wraps it)", subject)
	}
	key, err := k.master.Open(nil, stored[:n], stored[n:], []byte(subject))
	if err != nil {
		return nil, fmt.Errorf("keyring: the key of %s does not open with the master key: %w", subject, err)
	}
	return key, nil
}
