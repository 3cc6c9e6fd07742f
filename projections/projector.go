package projections

import (
	"context"
	"database/sql"
	"sync"

	"github.com/souq-market/souq/eventstore"
)

// Projector is anything the runner feeds. Its name is the checkpoint key: it
// must never change once the projector has run, or it starts over.
// A projector is either an SQL projector or an Idempotent one.
type Projector interface {
	Name() string
}

// SQL is a projector whose rows live in the runner's database. The runner
// commits the rows a batch wrote and the checkpoint in one transaction, so
// each event takes effect exactly once even when it is delivered again.
type SQL interface {
	Projector
	// Tables declares the projector's tables, so the runner can create them
	// and rebuild them into shadows.
	Tables() []Table
	// HandleBatch applies events, in order, through tx. An error rolls the
	// whole batch back; the runner retries it and in the end parks the event
	// that keeps failing.
	HandleBatch(ctx context.Context, tx *Tx, events []eventstore.RecordedEvent) error
	// Reset deletes every row the projector wrote, so it can start again
	// from position zero.
	Reset(ctx context.Context, tx *Tx) error
}

// Idempotent is a projector for a sink without transactions (a search
// index, a cache, a vector store). Delivery is at least once: the runner
// saves the checkpoint only after Handle returned, so after a crash events
// come again. Handle must make that harmless, by keying each write by
// aggregate ID and stream revision so that a stale revision never replaces a
// newer one (see Fresh and Versions).
type Idempotent interface {
	Projector
	Handle(ctx context.Context, events []eventstore.RecordedEvent) error
	// Reset empties the sink.
	Reset(ctx context.Context) error
}

// Table is one table of an SQL projector. DDL holds the statements creating
// it and its indexes, written with {name} for every table name, as in
//
//	CREATE TABLE {counts} (stream TEXT PRIMARY KEY, n BIGINT NOT NULL)
//	CREATE INDEX {counts}_by_n ON {counts} (n)
//
// so that a rebuild can create the same table under another name. Index
// names must contain {name} too: they are unique per schema.
type Table struct {
	Name string
	DDL  []string
}

// Tx is the transaction an SQL projector writes through. Its statements are
// written once for every dialect: ? for parameters and {table} for the
// projector's tables, which during a rebuild name the shadow tables.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect
	suffix  string
}

// SQL returns the query with its tables and parameters rewritten, for code
// that needs the text (a prepared statement, a bulk insert builder).
func (t *Tx) SQL(query string) string { return t.dialect.Rebind(expand(query, t.suffix)) }

// Table is the name a table has in this transaction.
func (t *Tx) Table(name string) string { return name + t.suffix }

// Dialect is the database's dialect.
func (t *Tx) Dialect() Dialect { return t.dialect }

// Exec runs a statement.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.SQL(query), args...)
}

// Query runs a query.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.SQL(query), args...)
}

// QueryRow runs a query returning at most one row.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.SQL(query), args...)
}

// Fresh is the rule of idempotent sinks: an event at stream revision rev
// may overwrite a document last written by revision stored (exists false:
// no document yet) only when it is newer. Redelivered and reordered events
// then change nothing. In SQL the same rule reads
//
//	INSERT … ON CONFLICT (id) DO UPDATE SET … WHERE excluded.revision > t.revision
func Fresh(stored uint64, exists bool, rev uint64) bool { return !exists || rev > stored }

// Versions applies Fresh for an in-process sink: it remembers the revision
// each aggregate was last written at. It is safe for concurrent use.
type Versions struct {
	mu  sync.Mutex
	rev map[string]uint64
}

// Apply runs write when revision rev of aggregate id is fresh, and records
// rev once write succeeded; a stale or repeated revision is skipped (false).
// A failed write records nothing, so its retry is not mistaken for a stale
// one. Writes of one Versions are serialized.
func (v *Versions) Apply(id string, rev uint64, write func() error) (bool, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	stored, ok := v.rev[id]
	if !Fresh(stored, ok, rev) {
		return false, nil
	}
	if err := write(); err != nil {
		return false, err
	}
	if v.rev == nil {
		v.rev = map[string]uint64{}
	}
	v.rev[id] = rev
	return true, nil
}

// Reset forgets every aggregate.
func (v *Versions) Reset() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.rev = nil
}
