package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/commands/history"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/scratch"
)

const verifyUsage = `Usage: souq verify [--only PASSES] [--projector NAMES] [--format table|jsonl] [--max-diffs N] [--keep] [flags]

Checks that the event store and the read models still say what the log says,
in three passes (--only integrity,refold,views picks some):

  integrity  the store's hash chains and signed checkpoints, when it keeps
             them: each edited, missing or reordered event, by position
  refold     every stream folded from its events through its aggregate:
             revision gaps, unknown types, payloads that do not decode,
             events of a type the stream's aggregate does not apply
  views      every SQL read model (--projector picks some) rebuilt from the
             log up to the live view's checkpoint into a scratch database
             (<data>/verify/*.db beside views.db, or a scratch schema beside
             the PostgreSQL views; removed afterwards unless --keep) and
             compared row by row with the live tables: each missing, extra
             or differing row by table, key and column (the first
             --max-diffs, default 100, per table; all are counted)

The live views keep serving: on PostgreSQL a view's projector waits only
while its tables are compared, on SQLite the comparison reads a snapshot.

Findings go to stdout, one a line, or as JSON Lines with --format jsonl;
progress with a rate goes to stderr, then the summary, and the rates to the
log. Exit 0 when nothing was found, 1 on any finding, 2 on a bad command
line or when verification could not run.

Projectors: %s.
`

// exitCannotVerify: verification could not run (store or database away).
// It shares 2 with a usage error, so 1 always means "found something".
const exitCannotVerify = exitUsage

// finding is one thing verify found, whichever pass found it.
type finding struct {
	Pass      string          `json:"pass"` // integrity, refold, views
	Kind      string          `json:"kind"`
	Position  uint64          `json:"position,omitempty"`
	Stream    string          `json:"stream,omitempty"`
	Revision  *uint64         `json:"revision,omitempty"`
	Type      string          `json:"type,omitempty"`
	Projector string          `json:"projector,omitempty"`
	Table     string          `json:"table,omitempty"`
	Key       []scratch.Field `json:"key,omitempty"`
	Column    string          `json:"column,omitempty"`
	Live      *string         `json:"live,omitempty"`
	Rebuilt   *string         `json:"rebuilt,omitempty"`
	Detail    string          `json:"detail,omitempty"`
	line      string
}

// verifyRun is one run of souq verify: where findings go and what it counted.
type verifyRun struct {
	env      environment
	log      *slog.Logger
	jsonl    bool
	found    map[string]int // findings by pass
	events   uint64         // log events each pass went over
	notes    []string
	passTime map[string]time.Duration
	// unchecked: the store keeps no hashes, so integrity was not checked.
	unchecked bool
}

func (v *verifyRun) report(f finding) {
	v.found[f.Pass]++
	if v.jsonl {
		b, _ := json.Marshal(f)
		fmt.Fprintln(v.env.stdout, string(b))
		return
	}
	fmt.Fprintf(v.env.stdout, "%-9s  %s\n", f.Pass, f.line)
}

func (v *verifyRun) note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	v.notes = append(v.notes, s)
	fmt.Fprintln(v.env.stderr, "souq verify:", s)
}

// verifyCLI runs `souq verify`.
func verifyCLI(ctx context.Context, env environment, args []string) int {
	reg := commands.NewRegistry()
	var names []string
	for _, p := range readProjectors(reg) {
		if _, ok := p.(projections.SQL); ok {
			names = append(names, p.Name())
		}
	}
	usage := fmt.Sprintf(verifyUsage, strings.Join(names, ", "))
	opts, rest, err := takeFlags(args, []string{"only", "projector", "format", "max-diffs", "keep"}, "keep")
	var passes, pick map[string]bool
	maxDiffs := 100
	if err == nil {
		err = checkFormat(opts["format"])
	}
	if err == nil {
		passes, err = pickNames("--only", opts["only"], []string{"integrity", "refold", "views"})
	}
	if err == nil {
		pick, err = pickNames("--projector", opts["projector"], names)
	}
	if s, ok := opts["max-diffs"]; ok && err == nil {
		if maxDiffs, err = strconv.Atoi(s); err != nil || maxDiffs < 1 {
			err = fmt.Errorf("--max-diffs %q: want a positive count", s)
		}
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "souq verify: %v\n\n%s", err, usage)
		return exitUsage
	}
	cfg, logger, store, code := openForCLI(ctx, env, "verify", usage, rest)
	if store == nil {
		if code == exitFailure {
			code = exitCannotVerify
		}
		return code
	}
	defer func() { _ = store.Close() }()
	v := &verifyRun{env: env, log: logger.With(slog.String("component", "verify")), jsonl: opts["format"] == "jsonl",
		found: map[string]int{}, passTime: map[string]time.Duration{}}
	start := time.Now()
	steps := []struct {
		pass string
		run  func() error
	}{
		{"integrity", func() error { return v.integrity(ctx, store) }},
		{"refold", func() error { return v.refold(ctx, store, reg) }},
		{"views", func() error {
			return v.views(ctx, cfg, store, reg, pick, maxDiffs, opts["keep"] == "true")
		}},
	}
	for _, s := range steps {
		if !passes[s.pass] {
			continue
		}
		t := time.Now()
		if err := s.run(); err != nil {
			fmt.Fprintf(env.stderr, "souq verify: %s: %v\n", s.pass, err)
			return exitCannotVerify
		}
		v.passTime[s.pass] = time.Since(t)
	}
	return v.summary(time.Since(start))
}

// pickNames parses a comma-separated choice among known names; empty
// picks all.
func pickNames(flag, value string, known []string) (map[string]bool, error) {
	out := map[string]bool{}
	if value == "" {
		for _, k := range known {
			out[k] = true
		}
		return out, nil
	}
	for n := range strings.SplitSeq(value, ",") {
		n = strings.TrimSpace(n)
		if !slices.Contains(known, n) {
			return nil, fmt.Errorf("%s %q: want some of %s", flag, n, strings.Join(known, ", "))
		}
		out[n] = true
	}
	return out, nil
}

// bar is a progress line for one pass, fed at most every 100ms.
func (v *verifyRun) bar(label string) (report func(done, head eventstore.Position, final bool), finish func()) {
	line := newProgressLine(v.env.stderr, v.env.terminal)
	line.label = label
	start, last := time.Now(), time.Time{}
	return func(done, head eventstore.Position, final bool) {
		if !final && time.Since(last) < 100*time.Millisecond {
			return
		}
		last = time.Now()
		el := time.Since(start)
		p := projections.Progress{Position: done, Head: head, Events: uint64(done), Elapsed: el, Swapped: final}
		if el > 0 {
			p.Rate = float64(done) / el.Seconds()
		}
		line.report(p)
	}, line.done
}

func (v *verifyRun) integrity(ctx context.Context, store eventstore.Store) error {
	iv, ok := backend(store).(eventstore.IntegrityVerifier) // the hashes cover what is stored, under the sealing of personal data
	if !ok {
		v.note("integrity: this event store keeps no hash chain; not checked")
		v.unchecked = true
		return nil
	}
	report, finish := v.bar("verify integrity")
	var head eventstore.Position
	problems, err := iv.VerifyIntegrity(ctx, func(done, h eventstore.Position) { head = h; report(done, h, false) })
	report(head, head, true)
	finish()
	if err != nil {
		return err
	}
	for _, p := range problems {
		rev := p.Revision
		f := finding{Pass: "integrity", Kind: p.Kind, Position: uint64(p.Position), Stream: p.Stream, Detail: p.Detail, line: p.String()}
		if p.Stream != "" {
			f.Revision = &rev
		}
		v.report(f)
	}
	return nil
}

func (v *verifyRun) refold(ctx context.Context, store eventstore.Store, reg *eventstore.Registry) error {
	report, finish := v.bar("verify refold")
	start := time.Now()
	res, err := history.New(store, reg).Refold(ctx, func(events uint64, at, head eventstore.Position) { report(at, head, false) })
	report(res.Head, res.Head, true)
	finish()
	if err != nil {
		return err
	}
	for _, p := range res.Problems {
		rev := p.Revision
		v.report(finding{Pass: "refold", Kind: p.Kind, Position: uint64(p.Position), Stream: p.Stream, Revision: &rev, Type: p.Type,
			Detail: p.Detail, line: p.String()})
	}
	v.events = max(v.events, res.Events)
	v.log.Info("streams refolded", slog.Uint64("events", res.Events), slog.Int("streams", res.Streams),
		slog.Int("problems", len(res.Problems)), slog.Float64("events_per_second", rate(res.Events, time.Since(start))))
	return nil
}

func rate(n uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func (v *verifyRun) views(ctx context.Context, cfg config.Config, store eventstore.Store, reg *eventstore.Registry, pick map[string]bool, maxDiffs int, keep bool) error {
	views, cleanup, where, err := openScratchViews(ctx, cfg, keep)
	if err != nil || views == nil {
		if err == nil {
			v.note("views: no read models at %s yet; nothing to compare", liveViewsName(cfg))
		}
		return err
	}
	v.log.Info("rebuilding the views apart", slog.String("scratch", where), slog.String("live", liveViewsName(cfg)))
	defer func() {
		if where := cleanup(); where != "" {
			v.note("views: the rebuilt views stay in %s", where)
		}
	}()
	for _, p := range readProjectors(reg) {
		sp, ok := p.(projections.SQL)
		if !ok || !pick[p.Name()] {
			continue
		}
		report, finish := v.bar("verify " + p.Name())
		res, err := views.Compare(ctx, sp, scratch.Options{Store: store, MaxDifferences: maxDiffs, Logger: v.log,
			Progress: func(pr projections.Progress) { report(pr.Position, pr.Head, pr.Swapped) }})
		finish()
		if errors.Is(err, scratch.ErrNoLiveView) {
			v.note("views: %s has never run on %s; not compared", p.Name(), liveViewsName(cfg))
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p.Name(), err)
		}
		for _, d := range res.Differences {
			v.report(finding{Pass: "views", Kind: d.Kind, Projector: p.Name(), Position: uint64(res.Position), Table: d.Table, Key: d.Key,
				Column: d.Column, Live: d.Live, Rebuilt: d.Rebuilt, line: fmt.Sprintf("%s at position %d: %s", p.Name(), res.Position, d)})
		}
		for table, n := range res.Counted {
			if kept := countTable(res.Differences, table); n > kept {
				v.note("views: %s: %d more differences in %s not shown (--max-diffs)", p.Name(), n-kept, table)
				v.found["views"] += n - kept
			}
		}
		for _, pk := range res.Parked {
			rev := pk.Revision
			v.report(finding{Pass: "views", Kind: "parked", Projector: p.Name(), Position: uint64(pk.Position), Stream: pk.Stream,
				Revision: &rev, Type: pk.Type, Detail: pk.Error,
				line: fmt.Sprintf("%s: the rebuild parked position %d (%s@%d, %s): %s", p.Name(), pk.Position, pk.Stream, pk.Revision, pk.Type, pk.Error)})
		}
		v.events = max(v.events, uint64(res.Position))
		v.log.Info("view compared", slog.String("projector", p.Name()), slog.Uint64("position", uint64(res.Position)),
			slog.Int("tables", res.Tables), slog.Int("differences", len(res.Differences)), slog.Int("parked", len(res.Parked)),
			slog.Duration("elapsed", res.Elapsed), slog.Float64("events_per_second", rate(uint64(res.Position), res.Elapsed)))
	}
	return nil
}

func countTable(ds []scratch.Difference, table string) int {
	n := 0
	for _, d := range ds {
		if d.Table == table {
			n++
		}
	}
	return n
}

func liveViewsName(cfg config.Config) string {
	if cfg.Views() == config.ViewsPostgres {
		return "schema " + cfg.ViewsSchema
	}
	return filepath.Join(cfg.DataDir, "views.db")
}

// openScratchViews pairs the live read models with an empty scratch
// database of the same kind, opened as souq replay opens its own; nil
// views when there are no live read models. cleanup closes the scratch and
// removes it (unless keep, when it returns where it stays).
func openScratchViews(ctx context.Context, cfg config.Config, keep bool) (views *scratch.Views, cleanup func() string, where string, err error) {
	stamp := strconv.FormatInt(time.Now().UnixNano(), 36)
	if cfg.Views() == config.ViewsPostgres {
		schema := "souq_verify_" + stamp
		scfg := cfg
		scfg.ViewsSchema = schema
		w, r, err := openPostgresViews(ctx, scfg)
		if err != nil {
			return nil, nil, "", err
		}
		var n int
		err = w.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2`,
			cfg.ViewsSchema, projections.CheckpointTable).Scan(&n)
		cleanup = func() string {
			defer func() { _ = r.Close(); _ = w.Close() }()
			if keep && n > 0 {
				return "schema " + schema
			}
			// The schema name is ours, made above: safe to splice.
			if _, err := w.ExecContext(context.WithoutCancel(ctx), "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
				return fmt.Sprintf("schema %s (dropping it failed: %v)", schema, err)
			}
			return ""
		}
		if err != nil || n == 0 {
			cleanup()
			return nil, nil, "", err
		}
		return scratch.Postgres(w, r, cfg.ViewsSchema, schema), cleanup, "schema " + schema, nil
	}
	live := filepath.Join(cfg.DataDir, "views.db")
	if _, err := os.Stat(live); errors.Is(err, os.ErrNotExist) {
		return nil, nil, "", nil
	}
	path := filepath.Join(cfg.DataDir, "verify", "views-"+stamp+".db")
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, nil, "", err
	}
	w, r, err := openSQLiteViews(path)
	if err != nil {
		return nil, nil, "", err
	}
	cleanup = func() string {
		_ = r.Close()
		_ = w.Close()
		if keep {
			return path
		}
		for _, f := range []string{path, path + "-wal", path + "-shm"} {
			_ = os.Remove(f)
		}
		_ = os.Remove(filepath.Dir(path)) // when empty
		return ""
	}
	return scratch.SQLite(w, r, live), cleanup, path, nil
}

// summary prints what was found and returns the exit code.
func (v *verifyRun) summary(elapsed time.Duration) int {
	total := 0
	var parts []string
	for _, pass := range []string{"integrity", "refold", "views"} {
		if d, ran := v.passTime[pass]; ran {
			total += v.found[pass]
			if pass == "integrity" && v.unchecked {
				parts = append(parts, "integrity not checked")
				continue
			}
			parts = append(parts, fmt.Sprintf("%s %d (%s)", pass, v.found[pass], d.Round(time.Millisecond)))
		}
	}
	verdict := "clean"
	if total > 0 {
		verdict = fmt.Sprintf("%d findings", total)
	}
	out := v.env.stdout
	if v.jsonl {
		out = v.env.stderr // stdout holds JSON Lines only
	}
	fmt.Fprintf(out, "verify: %s — %s; %d events in %s (%.0f events/s)\n", verdict, strings.Join(parts, ", "),
		v.events, elapsed.Round(time.Millisecond), rate(v.events, elapsed))
	v.log.Info("verified", slog.Int("findings", total), slog.Any("by_pass", v.found), slog.Uint64("events", v.events),
		slog.Duration("elapsed", elapsed), slog.Float64("events_per_second", rate(v.events, elapsed)))
	if total > 0 {
		return exitFailure
	}
	return exitOK
}
