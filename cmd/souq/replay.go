package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/scratch"
)

const replayUsage = `Usage: souq replay --projector NAME --from POSITION [--to POSITION] [--into FILE] [flags]

Feeds the events at global positions FROM to TO (both included; TO defaults
to the head when the replay starts) to one read-model projector writing into
a fresh SQLite database, never the live views: FILE, by default
<data>/replay/NAME-FROM-TO.db, must not exist yet. Query it with sqlite3 to
see what the view held at TO ("what did the vendor dashboard show on the
first of the month?": find the position with souq audit, replay --from 1 --to
it), or from a later FROM to audit a window. Events a projector refuses
(say an order's confirmation without its placement, when FROM cuts the
placement off) are parked in that file and counted at the end.

Progress on the terminal, the rate in the log. Projectors: %s.
`

// replayCLI runs `souq replay`.
func replayCLI(ctx context.Context, env environment, args []string) int {
	reg := commands.NewRegistry()
	all := readProjectors(reg)
	var names []string
	for _, p := range all {
		names = append(names, p.Name())
	}
	usage := fmt.Sprintf(replayUsage, strings.Join(names, ", "))
	opts, rest, err := takeFlags(args, []string{"projector", "from", "to", "into"})
	var from, to uint64
	if err == nil {
		from, to, err = replayWindow(opts)
	}
	var proj projections.Projector
	if err == nil {
		for _, p := range all {
			if p.Name() == opts["projector"] {
				proj = p
			}
		}
		if proj == nil {
			err = fmt.Errorf("--projector %q: want one of %s", opts["projector"], strings.Join(names, ", "))
		}
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "souq replay: %v\n\n%s", err, usage)
		return exitUsage
	}
	cfg, logger, store, code := openForCLI(ctx, env, "replay", usage, rest)
	if store == nil {
		return code
	}
	defer func() { _ = store.Close() }()
	if to == 0 {
		head, err := store.Head(ctx)
		if err != nil {
			fmt.Fprintln(env.stderr, "souq replay:", err)
			return exitFailure
		}
		to = uint64(head)
	}
	into := opts["into"]
	if into == "" {
		into = filepath.Join(cfg.DataDir, "replay", fmt.Sprintf("%s-%d-%d.db", proj.Name(), from, to))
	}
	if err := replay(ctx, env, logger, store, proj, eventstore.Position(from), eventstore.Position(to), into); err != nil {
		fmt.Fprintln(env.stderr, "souq replay:", err)
		return exitFailure
	}
	return exitOK
}

func replayWindow(opts map[string]string) (from, to uint64, err error) {
	if opts["projector"] == "" || opts["from"] == "" {
		return 0, 0, errors.New("--projector and --from are required")
	}
	if from, err = strconv.ParseUint(opts["from"], 10, 63); err != nil || from == 0 {
		return 0, 0, fmt.Errorf("--from %q: want a global position (they start at 1)", opts["from"])
	}
	if s, ok := opts["to"]; ok {
		if to, err = strconv.ParseUint(s, 10, 63); err != nil || to < from {
			return 0, 0, fmt.Errorf("--to %q: want a global position at or after --from", s)
		}
	}
	return from, to, nil
}

// replay runs the projector's rebuild machinery over a window of the log in
// a database of its own: the runner reads the window as if it were the
// whole store, and its rebuild feeds, parks and swaps as it does live.
func replay(ctx context.Context, env environment, logger *slog.Logger, store eventstore.Store, proj projections.Projector, from, to eventstore.Position, into string) error {
	if _, err := os.Stat(into); err == nil {
		return fmt.Errorf("%s exists: a replay writes into a fresh database (remove it, or give --into)", into)
	}
	if err := os.MkdirAll(filepath.Dir(into), 0o750); err != nil {
		return err
	}
	w, r, err := openSQLiteViews(into)
	if err != nil {
		return err
	}
	_ = r.Close()
	defer func() { _ = w.Close() }()
	log := logger.With(slog.String("component", "replay"), slog.String("projector", proj.Name()))
	runner, err := projections.New(ctx, projections.Options{
		DB: w, Dialect: projections.SQLite(), Store: scratch.NewWindow(store, from, to), Label: "replay", Logger: log,
	}, proj)
	if err != nil {
		return err
	}
	bar := newProgressLine(env.stderr, env.terminal)
	start := time.Now()
	err = runner.Rebuild(ctx, proj.Name(), bar.report)
	bar.done()
	if err != nil {
		return err
	}
	parked, err := runner.Parked(ctx, proj.Name())
	if err != nil {
		return err
	}
	el := time.Since(start)
	log.Info("replayed", slog.Uint64("from", uint64(from)), slog.Uint64("to", uint64(to)), slog.Uint64("events", bar.last.Events),
		slog.Int("parked", len(parked)), slog.Duration("elapsed", el), slog.Float64("events_per_second", bar.last.Rate),
		slog.String("into", into))
	fmt.Fprintf(env.stdout, "%s: %d events (positions %d to %d) in %s (%.0f events/s), %d parked, into %s\n",
		proj.Name(), bar.last.Events, from, to, el.Round(time.Millisecond), bar.last.Rate, len(parked), into)
	return nil
}
