package scratch

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
)

// ErrNoLiveView: the live database holds no checkpoint for the projector,
// so there is no view to compare with.
var ErrNoLiveView = errors.New("scratch: no live view")

// ErrLiveWentBack: the live view's checkpoint moved back while it was being
// compared (a reset), so the rebuild overshot it; compare again.
var ErrLiveWentBack = errors.New("scratch: the live view went back during the comparison")

// Kinds of Difference.
const (
	Missing = "missing" // the rebuild has the row, the live view lacks it
	Extra   = "extra"   // the live view has a row the rebuild lacks
	Differs = "differs" // both have the row; Column differs
	Schema  = "schema"  // a table or column one side lacks
)

// Field is one column's value, rendered as text (nil for NULL).
type Field struct {
	Column string  `json:"column"`
	Value  *string `json:"value"`
}

// Difference is one place where the live view and its rebuild disagree.
type Difference struct {
	Table   string  `json:"table"`
	Key     []Field `json:"key,omitempty"`
	Kind    string  `json:"kind"`
	Column  string  `json:"column,omitempty"`
	Live    *string `json:"live,omitempty"`
	Rebuilt *string `json:"rebuilt,omitempty"`
}

func (d Difference) String() string {
	var key []string
	for _, k := range d.Key {
		key = append(key, k.Column+"="+show(k.Value))
	}
	s := d.Table
	if len(key) > 0 {
		s += " [" + strings.Join(key, ", ") + "]"
	}
	switch d.Kind {
	case Missing:
		return s + ": missing from the live view"
	case Extra:
		return s + ": in the live view, not in the rebuild"
	case Differs:
		return fmt.Sprintf("%s: %s is %s live, %s rebuilt", s, d.Column, show(d.Live), show(d.Rebuilt))
	}
	if d.Column != "" {
		return fmt.Sprintf("%s: column %s: %s", s, d.Column, show(d.Live))
	}
	return fmt.Sprintf("%s: %s", s, show(d.Live))
}

func show(v *string) string {
	if v == nil {
		return "NULL"
	}
	return fmt.Sprintf("%q", *v)
}

// Result is one projector's comparison.
type Result struct {
	Projector string
	// Position both sides were compared at: the live view's checkpoint.
	Position eventstore.Position
	Tables   int
	// Differences found, at most Options.MaxDifferences per table;
	// Counted holds how many each table had in all.
	Differences []Difference
	Counted     map[string]int
	// Parked are the events the rebuild gave up on.
	Parked  []projections.Parked
	Elapsed time.Duration
}

// Options of a comparison.
type Options struct {
	// Store is the live log; the rebuild reads it through a Window.
	Store eventstore.Store
	// MaxDifferences kept per table (all are counted); default 100.
	MaxDifferences int
	// Progress, when set, is called about every 250ms while the rebuild
	// catches up, and once at the end.
	Progress func(projections.Progress)
	Logger   *slog.Logger
}

// Views are the live read-model database and a scratch one, both visible
// to one connection so a comparison is one query per table.
type Views struct {
	dialect projections.Dialect
	// scratch is the pool the rebuild's runner writes through; compare
	// the connections the comparison reads through.
	scratch, compare *sql.DB
	// live and rebuilt qualify table names in the comparison's queries.
	live, rebuilt string
	// attach, on SQLite, is the live file's URI, attached read-only as
	// "live" to each comparison's connection.
	attach string
}

// SQLite pairs a live views file with an empty scratch database: scratch is
// the pool the rebuild writes through (one connection, as every SQLite
// runner's), read a pool on the same scratch file to compare through (it
// may be query-only). The live file is only ever read.
func SQLite(scratch, read *sql.DB, livePath string) *Views {
	return &Views{dialect: projections.SQLite(), scratch: scratch, compare: read, live: "live", rebuilt: "main",
		attach: "file:" + livePath + "?mode=ro"}
}

// Postgres pairs the live views' schema with an empty scratch schema of the
// same database: scratch and read are pools whose search_path is the
// scratch schema.
func Postgres(scratch, read *sql.DB, liveSchema, scratchSchema string) *Views {
	return &Views{dialect: projections.Postgres(), scratch: scratch, compare: read, live: quote(liveSchema), rebuilt: quote(scratchSchema)}
}

func quote(ident string) string { return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"` }

// conn is a comparison's connection, the live database visible on it.
func (v *Views) conn(ctx context.Context) (*sql.Conn, func(), error) {
	c, err := v.compare.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	if v.attach == "" {
		return c, func() { _ = c.Close() }, nil
	}
	if _, err := c.ExecContext(ctx, "ATTACH DATABASE ? AS live", v.attach); err != nil {
		_ = c.Close()
		return nil, nil, fmt.Errorf("attach the live views: %w", err)
	}
	return c, func() {
		// Detach before the connection goes back to the pool, where the
		// next comparison attaches again.
		_, _ = c.ExecContext(context.WithoutCancel(ctx), "DETACH DATABASE live")
		_ = c.Close()
	}, nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// checkpoint reads the live view's position; lock, on PostgreSQL, also
// holds its checkpoint row until q's transaction ends, which stops the live
// projector's next batch (its first statement moves that row) meanwhile.
func (v *Views) checkpoint(ctx context.Context, q queryer, name string, lock bool) (eventstore.Position, error) {
	query := "SELECT position FROM " + v.live + "." + projections.CheckpointTable + " WHERE name = ?"
	if lock && v.dialect.Name() == "postgres" {
		query += " FOR SHARE"
	}
	var pos int64
	err := q.QueryRowContext(ctx, v.dialect.Rebind(query), name).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("%w of %s (it has never run on this database)", ErrNoLiveView, name)
	}
	if err != nil {
		return 0, fmt.Errorf("read the live checkpoint of %s: %w", name, err)
	}
	return eventstore.Position(pos), nil
}

// Compare rebuilds p into the scratch database from the log up to the live
// view's checkpoint, then compares every table of p row by row with the
// live one. The comparison is made at one position: on PostgreSQL the live
// checkpoint is locked for the comparison's transaction (the live projector
// waits, for the last few events of the rebuild and the queries, no more),
// on SQLite the transaction reads one snapshot of the live file; when the
// live view moved on since the rebuild started, the rebuild catches up with
// it first. Each projector is compared once per scratch database.
func (v *Views) Compare(ctx context.Context, p projections.SQL, opts Options) (Result, error) {
	if opts.MaxDifferences <= 0 {
		opts.MaxDifferences = 100
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	res := Result{Projector: p.Name(), Counted: map[string]int{}}
	conn, release, err := v.conn(ctx)
	if err != nil {
		return res, err
	}
	defer release()
	target, err := v.checkpoint(ctx, conn, p.Name(), false)
	if err != nil {
		return res, err
	}
	window := NewWindow(opts.Store, 1, target)
	runner, err := projections.New(ctx, projections.Options{
		DB: v.scratch, Dialect: v.dialect, Store: window, Label: "verify", Logger: opts.Logger,
		Backoff: 5 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
	}, p)
	if err != nil {
		return res, fmt.Errorf("scratch runner: %w", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = runner.Run(runCtx) }()
	defer func() { stop(); <-done }()

	track := &tracker{runner: runner, name: p.Name(), start: start, progress: opts.Progress}
	if err := track.until(ctx, target); err != nil {
		return res, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer func() { _ = tx.Rollback() }() // it only reads
	at, err := v.checkpoint(ctx, tx, p.Name(), true)
	if err != nil {
		return res, err
	}
	if at < target {
		return res, fmt.Errorf("%w: %s from %d to %d", ErrLiveWentBack, p.Name(), target, at)
	}
	if at > target {
		window.Raise(at)
		if err := track.until(ctx, at); err != nil {
			return res, err
		}
	}
	track.done(at)
	res.Position = at
	for _, t := range p.Tables() {
		res.Tables++
		diffs, n, err := v.table(ctx, tx, t.Name, opts.MaxDifferences)
		if err != nil {
			return res, fmt.Errorf("compare %s: %w", t.Name, err)
		}
		if n > 0 {
			res.Counted[t.Name] = n
		}
		res.Differences = append(res.Differences, diffs...)
	}
	if err := tx.Rollback(); err != nil {
		return res, err
	}
	stop()
	<-done
	if res.Parked, err = runner.Parked(ctx, p.Name()); err != nil {
		return res, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// tracker waits for the scratch runner to reach a position, reporting
// progress.
type tracker struct {
	runner   *projections.Runner
	name     string
	start    time.Time
	progress func(projections.Progress)
	failing  int // polls in a row that found the feed failing
}

func (t *tracker) until(ctx context.Context, pos eventstore.Position) error {
	for {
		wctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
		err := t.runner.WaitFor(wctx, t.name, pos)
		cancel()
		if err == nil || ctx.Err() != nil {
			return err
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("rebuild %s: %w", t.name, err)
		}
		st, err := t.runner.Status(ctx)
		if err != nil {
			return err
		}
		for _, s := range st {
			if s.Name != t.name {
				continue
			}
			// A failing feed is retried; one that keeps failing (not an
			// event: those are parked) will not pass by itself.
			if s.State == projections.Failing {
				t.failing++
			} else {
				t.failing = 0
			}
			if t.failing > 40 {
				return fmt.Errorf("rebuild %s keeps failing: %s", t.name, s.LastError)
			}
			t.report(s.Position, pos, false)
		}
	}
}

func (t *tracker) done(pos eventstore.Position) { t.report(pos, pos, true) }

func (t *tracker) report(at, head eventstore.Position, final bool) {
	if t.progress == nil {
		return
	}
	el := time.Since(t.start)
	p := projections.Progress{Position: at, Head: head, Events: uint64(at), Elapsed: el, Swapped: final}
	if el > 0 {
		p.Rate = float64(at) / el.Seconds()
	}
	t.progress(p)
}

// columns lists a table's columns in order and its primary key's, from the
// catalog of the side qualified by schema; none when the table is missing.
func (v *Views) columns(ctx context.Context, q queryer, schema, table string) (cols, key []string, err error) {
	var rows *sql.Rows
	if v.dialect.Name() == "sqlite" {
		rows, err = q.QueryContext(ctx, `SELECT name, pk FROM pragma_table_info(?, ?) ORDER BY cid`, table, schema)
	} else {
		rows, err = q.QueryContext(ctx, `SELECT c.column_name, coalesce(k.ordinal_position, 0)
			FROM information_schema.columns c
			LEFT JOIN information_schema.table_constraints t
			  ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.constraint_type = 'PRIMARY KEY'
			LEFT JOIN information_schema.key_column_usage k
			  ON k.constraint_schema = t.constraint_schema AND k.constraint_name = t.constraint_name AND k.column_name = c.column_name
			WHERE c.table_schema = $1 AND c.table_name = $2 ORDER BY c.ordinal_position`, strings.Trim(schema, `"`), table)
	}
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	pk := map[int]string{}
	for rows.Next() {
		var name string
		var pos int
		if err := rows.Scan(&name, &pos); err != nil {
			return nil, nil, err
		}
		cols = append(cols, name)
		if pos > 0 {
			pk[pos] = name
		}
	}
	for i := 1; i <= len(pk); i++ {
		key = append(key, pk[i])
	}
	return cols, key, rows.Err()
}

// table compares one table: the differences (at most max) and how many
// there are in all.
func (v *Views) table(ctx context.Context, q queryer, table string, limit int) ([]Difference, int, error) {
	rebuiltCols, key, err := v.columns(ctx, q, v.rebuilt, table)
	if err != nil {
		return nil, 0, err
	}
	liveCols, _, err := v.columns(ctx, q, v.live, table)
	if err != nil {
		return nil, 0, err
	}
	if len(liveCols) == 0 {
		none := "table missing from the live view"
		return []Difference{{Table: table, Kind: Schema, Live: &none}}, 1, nil
	}
	var diffs []Difference
	var common []string
	for _, c := range rebuiltCols {
		if slices.Contains(liveCols, c) {
			common = append(common, c)
			continue
		}
		none := "column missing from the live table"
		diffs = append(diffs, Difference{Table: table, Kind: Schema, Column: c, Live: &none})
	}
	for _, c := range liveCols {
		if !slices.Contains(rebuiltCols, c) {
			extra := "column the rebuild does not have"
			diffs = append(diffs, Difference{Table: table, Kind: Schema, Column: c, Live: &extra})
		}
	}
	for _, k := range key {
		if !slices.Contains(common, k) {
			return diffs, len(diffs), nil // no key to match rows by; the schema says why
		}
	}
	if len(key) == 0 {
		key = common // no primary key: a whole row is its key
	}
	n := len(diffs)
	rows, err := q.QueryContext(ctx, v.diffQuery(table, common, key))
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	vals := make([]any, 2*len(common)+2)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	isKey := map[string]bool{}
	for _, k := range key {
		isKey[k] = true
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, 0, err
		}
		livePresent, rebuiltPresent := truth(vals[0]), truth(vals[1])
		live := func(i int) *string { return text(vals[2+2*i]) }
		rebuilt := func(i int) *string { return text(vals[3+2*i]) }
		side := rebuilt
		if !rebuiltPresent {
			side = live
		}
		var k []Field
		for i, c := range common {
			if isKey[c] {
				k = append(k, Field{Column: c, Value: side(i)})
			}
		}
		var found []Difference
		switch {
		case !livePresent:
			found = append(found, Difference{Table: table, Key: k, Kind: Missing})
		case !rebuiltPresent:
			found = append(found, Difference{Table: table, Key: k, Kind: Extra})
		default:
			for i, c := range common {
				if l, r := live(i), rebuilt(i); !same(l, r) {
					found = append(found, Difference{Table: table, Key: k, Kind: Differs, Column: c, Live: l, Rebuilt: r})
				}
			}
		}
		for _, d := range found {
			if n < limit {
				diffs = append(diffs, d)
			}
			n++
		}
	}
	return diffs, n, rows.Err()
}

// diffQuery joins the live table and its rebuild on the key and returns
// the rows that are not on both sides alike: whether each side has the
// row, then each common column, live and rebuilt, in pairs.
func (v *Views) diffQuery(table string, cols, key []string) string {
	distinct := " IS NOT "
	if v.dialect.Name() == "postgres" {
		distinct = " IS DISTINCT FROM "
	}
	// A row's presence on each side: its row ID, which no column can
	// shadow (a join on tables, not subqueries, so SQLite uses the keys'
	// indexes: with subqueries it joins by nested scans).
	present := func(side string) string { return "(" + side + ".rowid IS NOT NULL)" }
	if v.dialect.Name() == "postgres" {
		present = func(side string) string { return "(" + side + ".ctid IS NOT NULL)" }
	}
	sel := []string{present("l"), present("s")}
	var differ, order []string
	for _, c := range cols {
		c = quote(c)
		sel = append(sel, "l."+c, "s."+c)
		differ = append(differ, "l."+c+distinct+"s."+c)
	}
	var on []string
	for _, k := range key {
		k = quote(k)
		on = append(on, "l."+k+" = s."+k)
		order = append(order, "coalesce(s."+k+", l."+k+")")
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM " + v.live + "." + quote(table) + " l FULL OUTER JOIN " +
		v.rebuilt + "." + quote(table) + " s ON " + strings.Join(on, " AND ") + " WHERE NOT " + present("l") +
		" OR NOT " + present("s") + " OR " + strings.Join(differ, " OR ") + " ORDER BY " + strings.Join(order, ", ")
}

// truth reads a scanned boolean: PostgreSQL's bool, SQLite's 0 or 1.
func truth(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case int64:
		return v != 0
	}
	return false
}

// text renders a scanned value; nil for NULL.
func text(v any) *string {
	var s string
	switch v := v.(type) {
	case nil:
		return nil
	case []byte:
		s = string(v)
	case string:
		s = v
	case time.Time:
		s = v.UTC().Format(time.RFC3339Nano)
	default:
		s = fmt.Sprint(v)
	}
	return &s
}

func same(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
