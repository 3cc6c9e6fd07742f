package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/souq-market/souq/projections"
)

const projectionsUsage = `Usage: souq projections COMMAND [NAME] [flags]

Operate the projectors on the read-model database the flags and environment
name (the same as souq serve uses):

  list                  each projector: state, position, head, lag, parked events
  rebuild NAME          rebuild the view into shadow tables from position zero and
                        swap them in atomically; the live view serves meanwhile
  pause NAME            stop the projector, durably (a restart keeps it paused)
  resume NAME           start it again from its checkpoint
  reset NAME            empty the view and its checkpoint: it starts over from zero
                        (prefer rebuild for a view that serves reads)
  parked NAME           list the events the projector gave up on
  replay-parked NAME    apply the parked events again, oldest first

A pause or reset is seen by a projector running in another process when
that process restarts; run these against a stopped souq project, or use
rebuild, which is safe while the views serve.
`

// projectionsCLI runs `souq projections …`.
func projectionsCLI(ctx context.Context, env environment, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(env.stdout, projectionsUsage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, args := args[0], args[1:]
	needsName := map[string]bool{"rebuild": true, "pause": true, "resume": true, "reset": true, "parked": true, "replay-parked": true}
	if cmd != "list" && !needsName[cmd] {
		fmt.Fprintf(env.stderr, "souq projections: unknown command %q\n\n%s", cmd, projectionsUsage)
		return exitUsage
	}
	var name string
	if needsName[cmd] {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(env.stderr, "souq projections %s: which projector? (souq projections list names them)\n", cmd)
			return exitUsage
		}
		name, args = args[0], args[1:]
	}
	cfg, logger, store, code := openForCLI(ctx, env, "projections", projectionsUsage, args)
	if store == nil {
		return code
	}
	defer func() { _ = store.Close() }()
	bs, err := openBlobs(ctx, cfg, logger)
	if err != nil {
		fmt.Fprintln(env.stderr, "souq projections:", err)
		return exitFailure
	}
	rc, err := openRedis(ctx, cfg) // redis.go
	if err != nil {
		fmt.Fprintln(env.stderr, "souq projections:", err)
		return exitFailure
	}
	defer func() { _ = closeRedis(rc) }()
	rs, err := openReadSide(ctx, cfg, logger, store, bs, rc)
	if err != nil {
		fmt.Fprintln(env.stderr, "souq projections:", err)
		return exitFailure
	}
	defer func() { _ = rs.Close() }()
	if err := operate(ctx, env, logger, rs.runner, cmd, name); err != nil {
		fmt.Fprintf(env.stderr, "souq projections %s: %v\n", cmd, err)
		if errors.Is(err, projections.ErrUnknownProjector) {
			fmt.Fprintf(env.stderr, "projectors: %s\n", strings.Join(rs.runner.Names(), ", "))
			return exitUsage
		}
		return exitFailure
	}
	return exitOK
}

func operate(ctx context.Context, env environment, logger *slog.Logger, r *projections.Runner, cmd, name string) error {
	switch cmd {
	case "list":
		st, err := r.Status(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSTATE\tPOSITION\tHEAD\tLAG\tLAG (s)\tPARKED")
		for _, s := range st {
			state := string(s.State)
			if s.State == projections.Stopped {
				state = "idle" // not run by this process; another may run it
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.1f\t%d\n", s.Name, state, s.Position, s.Head, s.LagEvents, s.LagSeconds, s.Parked)
		}
		return tw.Flush()
	case "rebuild":
		bar := newProgressLine(env.stderr, env.terminal)
		start := time.Now()
		err := r.Rebuild(ctx, name, bar.report)
		bar.done()
		if err != nil {
			return err
		}
		el := time.Since(start)
		logger.Info("projection rebuilt", slog.String("projector", name), slog.Uint64("events", bar.last.Events),
			slog.Duration("elapsed", el), slog.Float64("events_per_second", bar.last.Rate), slog.Uint64("position", uint64(bar.last.Position)))
		fmt.Fprintf(env.stdout, "%s rebuilt: %d events in %s (%.0f events/s), at position %d\n",
			name, bar.last.Events, el.Round(time.Millisecond), bar.last.Rate, bar.last.Position)
		return nil
	case "pause":
		if err := r.Pause(ctx, name); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "%s paused\n", name)
	case "resume":
		if err := r.Resume(ctx, name); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "%s resumed\n", name)
	case "reset":
		if err := r.Reset(ctx, name); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "%s reset: it starts over from position 0\n", name)
	case "parked":
		ps, err := r.Parked(ctx, name)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "POSITION\tTYPE\tSTREAM\tREVISION\tATTEMPTS\tPARKED AT\tERROR")
		for _, p := range ps {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\t%s\n", p.Position, p.Type, p.Stream, p.Revision, p.Attempts,
				p.ParkedAt.UTC().Format(time.RFC3339), strings.ReplaceAll(p.Error, "\n", " "))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "%d parked\n", len(ps))
	case "replay-parked":
		n, err := r.ReplayParked(ctx, name)
		fmt.Fprintf(env.stdout, "%d replayed\n", n)
		return err
	}
	return nil
}

// progressLine shows a rebuild's progress: on a terminal one line redrawn
// in place (a bar, percent, position of head, rate); otherwise a plain line
// every few seconds, fit for a log.
type progressLine struct {
	w        io.Writer
	label    string // what makes progress: "rebuild", or a verify pass
	terminal bool
	last     projections.Progress
	printed  time.Time
	drawn    bool
}

func newProgressLine(w io.Writer, terminal bool) *progressLine {
	return &progressLine{w: w, label: "rebuild", terminal: terminal}
}

func (p *progressLine) report(pr projections.Progress) {
	p.last = pr
	if !p.terminal {
		if !pr.Swapped && time.Since(p.printed) < 2*time.Second {
			return
		}
		p.printed = time.Now()
		fmt.Fprintf(p.w, "%s: %d events, position %d of %d, %.0f events/s, %s\n",
			p.label, pr.Events, pr.Position, pr.Head, pr.Rate, pr.Elapsed.Round(time.Millisecond))
		return
	}
	frac := 1.0
	if pr.Head > 0 && !pr.Swapped {
		frac = min(1, float64(pr.Position)/float64(pr.Head))
	}
	const width = 30
	n := int(frac * width)
	eta := ""
	if pr.Rate > 0 && pr.Head > pr.Position {
		eta = " eta " + (time.Duration(float64(pr.Head-pr.Position)/pr.Rate) * time.Second).Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%%  %d/%d  %.0f ev/s%s\x1b[K", p.label, strings.Repeat("=", n), strings.Repeat(" ", width-n),
		100*frac, pr.Position, pr.Head, pr.Rate, eta)
	p.drawn = true
}

// done ends the redrawn line.
func (p *progressLine) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
