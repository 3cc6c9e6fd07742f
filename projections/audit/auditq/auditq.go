package auditq

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Table is the view's one table.
const Table = "audit_events"

// Event is one audited event: what happened, where, and the command behind it.
type Event struct {
	Position      uint64    `json:"position"`
	EventID       string    `json:"event_id"`
	Stream        string    `json:"stream"`
	Revision      uint64    `json:"revision"`
	Type          string    `json:"type"`
	RecordedAt    time.Time `json:"recorded_at"`
	CommandID     string    `json:"command_id,omitempty"`
	CorrelationID string    `json:"correlation_id,omitempty"`
	CausationID   string    `json:"causation_id,omitempty"`
	Actor         string    `json:"actor,omitempty"`
	Role          string    `json:"role,omitempty"`
}

// Query selects events. Every filter is optional; they combine with AND.
type Query struct {
	Actor   string    // the acting user's ID
	Stream  string    // one aggregate's stream
	Command string    // one command ID
	From    time.Time // recorded at or after (zero: no bound)
	To      time.Time // recorded before (zero: no bound)
	Cursor  string    // from Page.Next; empty for the first page
	Limit   int       // 1–MaxLimit; 0 means DefaultLimit
}

// Page limits.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Page is one page of events, newest first. Next is the cursor of the
// following page, empty on the last one.
type Page struct {
	Events []Event `json:"events"`
	Next   string  `json:"next,omitempty"`
}

// ErrBadCursor: the cursor was not one this reader made.
var ErrBadCursor = errors.New("auditq: malformed cursor")

// ErrBadQuery: a filter is out of range (limit, time range).
var ErrBadQuery = errors.New("auditq: bad query")

// Reader reads the view.
type Reader struct {
	db     *sql.DB
	rebind func(string) string
}

// New returns a reader over db; rebind rewrites ? parameters for the
// database's dialect (projections.Dialect.Rebind).
func New(db *sql.DB, rebind func(string) string) *Reader { return &Reader{db: db, rebind: rebind} }

// cursor is the last row of a page: (recorded_at, position), the order of
// every index of the view.
type cursor struct {
	at  int64
	pos uint64
}

func (c cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.at, 10) + "." + strconv.FormatUint(c.pos, 10)))
}

func parseCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, ErrBadCursor
	}
	at, pos, ok := strings.Cut(string(b), ".")
	if !ok {
		return cursor{}, ErrBadCursor
	}
	var c cursor
	if c.at, err = strconv.ParseInt(at, 10, 64); err != nil {
		return cursor{}, ErrBadCursor
	}
	if c.pos, err = strconv.ParseUint(pos, 10, 63); err != nil {
		return cursor{}, ErrBadCursor
	}
	return c, nil
}

// Events answers a query, newest first. The statement is one index range
// scan: the filters pick the index (actor, stream, command or time), and the
// cursor continues it with a row-value comparison.
func (r *Reader) Events(ctx context.Context, q Query) (Page, error) {
	limit := q.Limit
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return Page{}, fmt.Errorf("%w: limit %d not in 1–%d", ErrBadQuery, limit, MaxLimit)
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return Page{}, fmt.Errorf("%w: from %s is not before to %s", ErrBadQuery, q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	}
	var where []string
	var args []any
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if q.Actor != "" {
		add("actor = ?", q.Actor)
	}
	if q.Stream != "" {
		add("stream = ?", q.Stream)
	}
	if q.Command != "" {
		add("command_id = ?", q.Command)
	}
	if !q.From.IsZero() {
		add("recorded_at >= ?", q.From.UnixNano())
	}
	if !q.To.IsZero() {
		add("recorded_at < ?", q.To.UnixNano())
	}
	if q.Cursor != "" {
		c, err := parseCursor(q.Cursor)
		if err != nil {
			return Page{}, err
		}
		add("(recorded_at, position) < (?, ?)", c.at, int64(c.pos))
	}
	stmt := `SELECT position, event_id, stream, revision, type, recorded_at, command_id, correlation_id, causation_id, actor, role
		FROM ` + Table
	if len(where) > 0 {
		stmt += " WHERE " + strings.Join(where, " AND ")
	}
	stmt += " ORDER BY recorded_at DESC, position DESC LIMIT ?"
	args = append(args, limit+1) // one more tells whether a next page exists
	rows, err := r.db.QueryContext(ctx, r.rebind(stmt), args...)
	if err != nil {
		return Page{}, fmt.Errorf("auditq: events: %w", err)
	}
	defer rows.Close()
	page := Page{Events: []Event{}}
	var last cursor
	for rows.Next() {
		if len(page.Events) == limit {
			page.Next = last.String()
			break
		}
		var e Event
		var pos, rev, at int64
		if err := rows.Scan(&pos, &e.EventID, &e.Stream, &rev, &e.Type, &at, &e.CommandID, &e.CorrelationID, &e.CausationID, &e.Actor, &e.Role); err != nil {
			return Page{}, fmt.Errorf("auditq: events: %w", err)
		}
		e.Position, e.Revision, e.RecordedAt = uint64(pos), uint64(rev), time.Unix(0, at).UTC()
		last = cursor{at: at, pos: uint64(pos)}
		page.Events = append(page.Events, e)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("auditq: events: %w", err)
	}
	return page, nil
}
