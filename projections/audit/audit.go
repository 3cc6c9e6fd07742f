package audit

import (
	"context"
	"fmt"
	"strings"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/audit/auditq"
)

// Name is the projector's checkpoint key; it never changes.
const Name = "audit"

// Projector writes the audit log.
type Projector struct{}

// New returns the audit-log projector.
func New() *Projector { return &Projector{} }

// Name implements projections.Projector.
func (*Projector) Name() string { return Name }

// Tables implements projections.SQL. The three indexes serve the three ways
// auditors ask, each ending in (recorded_at, position) so that a time range
// and the keyset cursor are one index range scan, never a sort.
func (*Projector) Tables() []projections.Table {
	return []projections.Table{{Name: auditq.Table, DDL: []string{
		`CREATE TABLE {audit_events} (
			position       BIGINT PRIMARY KEY,
			event_id       TEXT NOT NULL,
			stream         TEXT NOT NULL,
			revision       BIGINT NOT NULL,
			type           TEXT NOT NULL,
			recorded_at    BIGINT NOT NULL,
			command_id     TEXT NOT NULL,
			correlation_id TEXT NOT NULL,
			causation_id   TEXT NOT NULL,
			actor          TEXT NOT NULL,
			role           TEXT NOT NULL
		)`,
		`CREATE INDEX {audit_events}_by_time ON {audit_events} (recorded_at, position)`,
		`CREATE INDEX {audit_events}_by_actor ON {audit_events} (actor, recorded_at, position)`,
		`CREATE INDEX {audit_events}_by_stream ON {audit_events} (stream, recorded_at, position)`,
		`CREATE INDEX {audit_events}_by_command ON {audit_events} (command_id, position)`,
	}}}
}

// rowsPerInsert bounds one multi-row INSERT: 11 parameters a row stays far
// below SQLite's 32,766 and PostgreSQL's 65,535.
const rowsPerInsert = 128

const insertHead = `INSERT INTO {audit_events} (position, event_id, stream, revision, type, recorded_at,
	command_id, correlation_id, causation_id, actor, role) VALUES `

// HandleBatch implements projections.SQL: one row per event, many rows per
// statement. An event already there (same position) is left as it is, so
// even a delivery the runner did not deduplicate changes nothing.
func (*Projector) HandleBatch(ctx context.Context, tx *projections.Tx, events []eventstore.RecordedEvent) error {
	for len(events) > 0 {
		n := min(len(events), rowsPerInsert)
		var b strings.Builder
		b.WriteString(insertHead)
		args := make([]any, 0, n*11)
		for i, ev := range events[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			m := ev.Metadata
			args = append(args, int64(ev.Position), ev.ID, ev.StreamID, int64(ev.StreamRevision), ev.Type,
				m.RecordedAt.UnixNano(), m.CommandID, m.CorrelationID, m.CausationID, m.Actor.UserID, m.Actor.Role)
		}
		b.WriteString(" ON CONFLICT (position) DO NOTHING")
		if _, err := tx.Exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("audit: insert events %d–%d: %w", events[0].Position, events[n-1].Position, err)
		}
		events = events[n:]
	}
	return nil
}

// Reset implements projections.SQL.
func (*Projector) Reset(ctx context.Context, tx *projections.Tx) error {
	_, err := tx.Exec(ctx, `DELETE FROM {audit_events}`)
	return err
}
