package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/history"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/audit/auditq"
)

const auditUsage = `Usage: souq audit COMMAND ARG [options] [flags]

An auditor's view of the event store the flags and environment name:

  stream ID [--format table|jsonl] [--limit N] [--after REV]
                 every event of a stream, oldest first, with who (actor,
                 role), which command, correlation and causation, when;
                 N per page (default 100), the next page after revision REV;
                 jsonl exports one event a line, with its payload
  actor ID --since T [--until T] [--format table|jsonl] [--scan]
                 the events a user caused, newest first, from the audit
                 view; without the view (or with --scan) a scan of every
                 event, with progress
  state STREAM (--at T | --position N)
                 the aggregate as of that time or global position, as JSON
  diff STREAM --from CUT --to CUT
                 the fields that differ between two cuts (a time or a
                 position) and the events in between, as JSON

Times are RFC 3339 (2026-11-20T10:00:00Z).
`

// auditCLI runs `souq audit …`.
func auditCLI(ctx context.Context, env environment, args []string) int {
	if len(args) < 2 || args[0] == "help" || strings.HasPrefix(args[0], "-") || strings.HasPrefix(args[1], "-") {
		fmt.Fprint(env.stderr, auditUsage)
		return exitUsage
	}
	cmd, arg, args := args[0], args[1], args[2:]
	known := map[string][]string{
		"stream": {"format", "limit", "after"},
		"actor":  {"since", "until", "format", "scan"},
		"state":  {"at", "position"},
		"diff":   {"from", "to"},
	}[cmd]
	if known == nil {
		fmt.Fprintf(env.stderr, "souq audit: unknown command %q\n\n%s", cmd, auditUsage)
		return exitUsage
	}
	opts, rest, err := takeFlags(args, known, "scan")
	if err == nil {
		err = checkFormat(opts["format"])
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "souq audit %s: %v\n\n%s", cmd, err, auditUsage)
		return exitUsage
	}
	cfg, logger, store, code := openForCLI(ctx, env, "audit", auditUsage, rest)
	if store == nil {
		return code
	}
	defer func() { _ = store.Close() }()
	switch cmd {
	case "stream":
		err = auditStream(ctx, env, store, arg, opts)
	case "actor":
		err = auditActor(ctx, env, cfg, logger, store, arg, opts)
	case "state":
		err = auditState(ctx, env, store, arg, opts)
	case "diff":
		err = auditDiff(ctx, env, store, arg, opts)
	}
	var usage usageError
	switch {
	case errors.As(err, &usage):
		fmt.Fprintf(env.stderr, "souq audit %s: %v\n", cmd, err)
		return exitUsage
	case err != nil:
		fmt.Fprintf(env.stderr, "souq audit %s: %v\n", cmd, err)
		return exitFailure
	}
	return exitOK
}

// usageError is a bad option found after the store was opened.
type usageError struct{ error }

// openForCLI loads the configuration from the flags left over and opens
// the event store; on failure store is nil and code the exit code.
func openForCLI(ctx context.Context, env environment, name, usage string, args []string) (config.Config, *slog.Logger, eventstore.Store, int) {
	cfg, err := config.Load(config.Source{Args: args, Getenv: env.getenv, Terminal: env.terminal})
	if err == config.ErrHelp {
		fmt.Fprint(env.stdout, usage)
		config.Usage(env.stdout, env.terminal)
		return cfg, nil, nil, exitOK
	}
	if err != nil {
		fmt.Fprintln(env.stderr, err)
		return cfg, nil, nil, exitUsage
	}
	logger := newLogger(env.stderr, cfg)
	store, err := openStore(ctx, cfg, logger)
	if err != nil {
		fmt.Fprintf(env.stderr, "souq %s: %v\n", name, err)
		return cfg, nil, nil, exitFailure
	}
	return cfg, logger, store, exitOK
}

// takeFlags takes the named options out of args (as -x or --x, the value
// after = or as the next argument; bools take none) and leaves the rest to
// config.
func takeFlags(args, names []string, bools ...string) (map[string]string, []string, error) {
	isName := map[string]bool{}
	for _, n := range names {
		isName[n] = true
	}
	isBool := map[string]bool{}
	for _, n := range bools {
		isBool[n] = true
	}
	opts := map[string]string{}
	var rest []string
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") || !isName[name] {
			rest = append(rest, args[i])
			continue
		}
		switch {
		case isBool[name] && !hasValue:
			value = "true"
		case !hasValue:
			if i+1 == len(args) {
				return nil, nil, fmt.Errorf("--%s needs a value", name)
			}
			i++
			value = args[i]
		}
		opts[name] = value
	}
	return opts, rest, nil
}

func checkFormat(f string) error {
	if f != "" && f != "table" && f != "jsonl" {
		return fmt.Errorf("--format %q: want table or jsonl", f)
	}
	return nil
}

// auditRow is one event as an auditor reads it: the audit view's row, and
// the payload when exported from the store.
type auditRow struct {
	auditq.Event
	Data json.RawMessage `json:"data,omitempty"`
}

func rowOf(e eventstore.RecordedEvent, withData bool) auditRow {
	r := auditRow{Event: auditq.Event{
		Position: uint64(e.Position), EventID: e.ID, Stream: e.StreamID, Revision: e.StreamRevision, Type: e.Type,
		RecordedAt: e.Metadata.RecordedAt.UTC(), CommandID: e.Metadata.CommandID, CorrelationID: e.Metadata.CorrelationID,
		CausationID: e.Metadata.CausationID, Actor: e.Metadata.Actor.UserID, Role: e.Metadata.Actor.Role,
	}}
	if withData {
		r.Data = e.Data
	}
	return r
}

// rowWriter prints rows as a table (flushed at the end) or JSON Lines.
type rowWriter struct {
	jsonl bool
	enc   *json.Encoder
	tw    *tabwriter.Writer
}

func newRowWriter(w io.Writer, format string) *rowWriter {
	if format == "jsonl" {
		return &rowWriter{jsonl: true, enc: json.NewEncoder(w)}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "POSITION\tSTREAM\tREV\tTYPE\tRECORDED AT\tACTOR\tROLE\tCOMMAND\tCORRELATION\tCAUSATION")
	return &rowWriter{tw: tw}
}

func (w *rowWriter) write(r auditRow) error {
	if w.jsonl {
		return w.enc.Encode(r)
	}
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	_, err := fmt.Fprintf(w.tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Position, r.Stream, r.Revision, r.Type,
		r.RecordedAt.Format(time.RFC3339Nano), dash(r.Actor), dash(r.Role), dash(r.CommandID), dash(r.CorrelationID), dash(r.CausationID))
	return err
}

func (w *rowWriter) flush() error {
	if w.tw != nil {
		return w.tw.Flush()
	}
	return nil
}

func auditStream(ctx context.Context, env environment, store eventstore.Store, stream string, opts map[string]string) error {
	limit, from := 100, uint64(0)
	if s, ok := opts["limit"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100_000 {
			return usageError{fmt.Errorf("--limit %q: want 1 to 100000", s)}
		}
		limit = n
	}
	if s, ok := opts["after"]; ok {
		rev, err := strconv.ParseUint(s, 10, 64)
		if err != nil || rev == eventstore.End {
			return usageError{fmt.Errorf("--after %q: want a stream revision", s)}
		}
		from = rev + 1
	}
	// One more than the page tells whether another follows.
	events, err := store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{From: from, Limit: limit + 1})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return fmt.Errorf("stream %q: %w", stream, err)
	}
	if err != nil {
		return err
	}
	more := len(events) > limit
	events = events[:min(len(events), limit)]
	w := newRowWriter(env.stdout, opts["format"])
	for _, e := range events {
		if err := w.write(rowOf(e, w.jsonl)); err != nil {
			return err
		}
	}
	if err := w.flush(); err != nil {
		return err
	}
	if more {
		fmt.Fprintf(env.stderr, "more: souq audit stream %s --after %d\n", stream, events[len(events)-1].StreamRevision)
	}
	return nil
}

func parseTime(flag, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, usageError{fmt.Errorf("--%s %q: want an RFC 3339 time such as 2026-11-20T10:00:00Z", flag, s)}
	}
	return t, nil
}

func auditActor(ctx context.Context, env environment, cfg config.Config, logger *slog.Logger, store eventstore.Store, actor string, opts map[string]string) error {
	if opts["since"] == "" {
		return usageError{errors.New("--since is required")}
	}
	since, err := parseTime("since", opts["since"])
	if err != nil {
		return err
	}
	var until time.Time
	if s, ok := opts["until"]; ok {
		if until, err = parseTime("until", s); err != nil {
			return err
		}
		if !since.Before(until) {
			return usageError{fmt.Errorf("--since %s is not before --until %s", opts["since"], s)}
		}
	}
	w := newRowWriter(env.stdout, opts["format"])
	if opts["scan"] != "true" {
		db, rebind, err := openAuditView(ctx, cfg)
		if err == nil {
			defer func() { _ = db.Close() }()
			warnIfBehind(ctx, logger, db, store)
			if err := actorFromView(ctx, w, auditq.New(db, rebind), actor, since, until); err != nil {
				return err
			}
			return w.flush()
		}
		logger.Warn("the audit view is not there: scanning every event instead", slog.String("error", err.Error()))
	}
	if err := actorFromScan(ctx, env, logger, w, store, actor, since, until); err != nil {
		return err
	}
	return w.flush()
}

// openAuditView opens the read-model database only when the audit view
// has been created there: no empty views.db is left behind.
func openAuditView(ctx context.Context, cfg config.Config) (*sql.DB, func(string) string, error) {
	var w, r *sql.DB
	var err error
	d := projections.SQLite()
	if cfg.Views() == config.ViewsPostgres {
		d = projections.Postgres()
		w, r, err = openPostgresViews(ctx, cfg)
	} else {
		path := filepath.Join(cfg.DataDir, "views.db")
		if _, err := os.Stat(path); err != nil {
			return nil, nil, err
		}
		w, r, err = openSQLiteViews(path)
	}
	if err != nil {
		return nil, nil, err
	}
	_ = w.Close()
	// A key lookup that fails unless the view's table exists.
	var n int
	if err := r.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+auditq.Table+" WHERE position = 0").Scan(&n); err != nil {
		_ = r.Close()
		return nil, nil, err
	}
	return r, d.Rebind, nil
}

// warnIfBehind logs how far the audit view trails the store: it holds one
// row per event, so its highest position is how far it has come, and the
// events after it are missing from its answer.
func warnIfBehind(ctx context.Context, logger *slog.Logger, db *sql.DB, store eventstore.Store) {
	var at sql.NullInt64
	head, err := store.Head(ctx)
	if err == nil {
		err = db.QueryRowContext(ctx, "SELECT MAX(position) FROM "+auditq.Table).Scan(&at)
	}
	if err != nil {
		logger.Warn("audit view: cannot tell how far it has come", slog.String("error", err.Error()))
		return
	}
	if uint64(at.Int64) < uint64(head) {
		logger.Warn("the audit view trails the store: events after its position are not in this answer (souq projections list; --scan reads the store)",
			slog.Int64("view_position", at.Int64), slog.Uint64("head", uint64(head)))
	}
}

func actorFromView(ctx context.Context, w *rowWriter, rd *auditq.Reader, actor string, since, until time.Time) error {
	q := auditq.Query{Actor: actor, From: since, To: until, Limit: auditq.MaxLimit}
	for {
		page, err := rd.Events(ctx, q)
		if err != nil {
			return err
		}
		for _, e := range page.Events {
			if err := w.write(auditRow{Event: e}); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		q.Cursor = page.Next
	}
}

// actorFromScan reads every event from the start, oldest first, showing
// progress on the terminal and the rate in the log.
func actorFromScan(ctx context.Context, env environment, logger *slog.Logger, w *rowWriter, store eventstore.Store, actor string, since, until time.Time) error {
	head, err := store.Head(ctx)
	if err != nil {
		return err
	}
	bar := newProgressLine(env.stderr, env.terminal)
	start := time.Now()
	var after eventstore.Position
	var seen, found uint64
	for after < head {
		batch, err := store.ReadAll(ctx, after, eventstore.DefaultPage)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, e := range batch {
			at := e.Metadata.RecordedAt
			if e.Metadata.Actor.UserID != actor || at.Before(since) || (!until.IsZero() && !at.Before(until)) {
				continue
			}
			found++
			if err := w.write(rowOf(e, w.jsonl)); err != nil {
				return err
			}
		}
		seen += uint64(len(batch))
		after = batch[len(batch)-1].Position
		el := time.Since(start)
		bar.report(projections.Progress{Position: after, Head: head, Events: seen, Elapsed: el, Rate: float64(seen) / max(el.Seconds(), 1e-9)})
	}
	bar.done()
	el := time.Since(start)
	logger.Info("audit scan done", slog.String("actor", actor), slog.Uint64("events", seen), slog.Uint64("found", found),
		slog.Duration("elapsed", el), slog.Float64("events_per_second", float64(seen)/max(el.Seconds(), 1e-9)))
	return nil
}

// parseCut reads a cut: a global position (an integer) or a time.
func parseCut(flag, s string) (history.Cut, error) {
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		if n == 0 {
			return history.Cut{}, usageError{fmt.Errorf("--%s 0: positions start at 1", flag)}
		}
		return history.Cut{Position: eventstore.Position(n)}, nil
	}
	t, err := parseTime(flag, s)
	return history.Cut{At: t}, err
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func auditState(ctx context.Context, env environment, store eventstore.Store, stream string, opts map[string]string) error {
	at, hasAt := opts["at"]
	pos, hasPos := opts["position"]
	var cut history.Cut
	var err error
	switch {
	case hasAt == hasPos:
		return usageError{errors.New("give one of --at TIME or --position N")}
	case hasAt:
		var t time.Time
		t, err = parseTime("at", at)
		cut.At = t
	default:
		cut, err = parseCut("position", pos)
		if err == nil && cut.Position == 0 {
			err = usageError{fmt.Errorf("--position %q: want a global position", pos)}
		}
	}
	if err != nil {
		return err
	}
	st, err := history.New(store, commands.NewRegistry()).At(ctx, stream, cut)
	if errors.Is(err, history.ErrUnknownStream) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	return printJSON(env.stdout, st)
}

func auditDiff(ctx context.Context, env environment, store eventstore.Store, stream string, opts map[string]string) error {
	if opts["from"] == "" || opts["to"] == "" {
		return usageError{errors.New("give --from and --to (each a time or a position)")}
	}
	from, err := parseCut("from", opts["from"])
	if err != nil {
		return err
	}
	to, err := parseCut("to", opts["to"])
	if err != nil {
		return err
	}
	d, err := history.New(store, commands.NewRegistry()).Between(ctx, stream, from, to)
	if errors.Is(err, history.ErrUnknownStream) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	type side struct {
		Cut      string              `json:"cut"`
		Events   int                 `json:"events"`
		Revision uint64              `json:"revision"`
		Position eventstore.Position `json:"position"`
	}
	out := struct {
		Stream  string           `json:"stream"`
		From    side             `json:"from"`
		To      side             `json:"to"`
		Changes []history.Change `json:"changes"`
		Events  []auditRow       `json:"events"`
	}{
		Stream:  stream,
		From:    side{from.String(), d.From.Events, d.From.Revision, d.From.Position},
		To:      side{to.String(), d.To.Events, d.To.Revision, d.To.Position},
		Changes: d.Changes,
		Events:  []auditRow{},
	}
	if out.Changes == nil {
		out.Changes = []history.Change{}
	}
	for _, e := range d.Events {
		out.Events = append(out.Events, rowOf(e, true))
	}
	return printJSON(env.stdout, out)
}
