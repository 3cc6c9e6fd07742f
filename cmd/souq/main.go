package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/souq-market/souq/internal/config"
)

func main() {
	env := environment{
		args: os.Args[1:], getenv: os.Getenv, stdout: os.Stdout, stderr: os.Stderr,
		terminal: isTerminal(os.Stderr),
	}
	os.Exit(run(context.Background(), env))
}

// environment is everything run takes from the process, so tests can run it
// in-process.
type environment struct {
	args           []string
	getenv         func(string) string
	stdout, stderr io.Writer
	terminal       bool // stderr is a terminal: text logs by default
}

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // failed while running
	exitUsage   = 2 // bad command line or configuration
)

const usage = `souq: an event-sourced commerce engine

Usage:
  souq serve    [--demo] [flags]
                          run every role in one process (write and read APIs);
                          --demo seeds a 200-product catalog into an empty store first
  souq write    [flags]   run the write API only
  souq read     [flags]   run the read API only
  souq project  [flags]   run the projectors only (health, readiness and metrics on -project-addr)
  souq projections list|rebuild|pause|resume|reset|parked|replay-parked [NAME] [flags]
                          operate the projectors (souq projections help)
  souq audit    stream|actor|state|diff ARG [options] [flags]
                          history, who did what, an aggregate as of a time or position (audit.go)
  souq replay   --projector NAME --from POS [--to POS] [--into FILE] [flags]
                          feed a window of the log to one view in a fresh SQLite file (replay.go)
  souq verify   [--only integrity,refold,views] [--projector NAMES] [--format table|jsonl] [flags]
                          check the log's hashes, re-fold every stream, rebuild every SQL view
                          and compare it row by row with the live one; exit 1 on any finding (verify.go)
  souq seed     --products N [--seed S] [flags]
                          generate a catalog and write it through the command handlers (seed.go)
  souq forget   CUSTOMER [--reason TEXT] [flags]
                          erase a customer's personal data by destroying their key (forget.go)
  souq health   [url]     exit 0 when url answers 200 (default http://127.0.0.1:8080/healthz);
                          the container health check, as the runtime image has no shell
  souq version            print version, commit and Go version
  souq help               print this help

Flags and environment variables (flags win):
`

func run(ctx context.Context, env environment) int {
	if len(env.args) == 0 {
		printHelp(env.stderr, env.terminal)
		return exitUsage
	}
	cmd, args := env.args[0], env.args[1:]
	switch cmd {
	case "serve", "write", "read", "project":
		return runServer(ctx, env, cmd, args)
	case "health":
		return health(ctx, env, args)
	case "projections":
		return projectionsCLI(ctx, env, args)
	case "audit":
		return auditCLI(ctx, env, args)
	case "replay":
		return replayCLI(ctx, env, args)
	case "seed":
		return seedCLI(ctx, env, args)
	case "verify":
		return verifyCLI(ctx, env, args)
	case "forget":
		return forgetCLI(ctx, env, args)
	case "version", "-version", "--version":
		fmt.Fprintln(env.stdout, versionLine())
		return exitOK
	case "help", "-h", "-help", "--help":
		printHelp(env.stdout, env.terminal)
		return exitOK
	}
	fmt.Fprintf(env.stderr, "souq: unknown command %q\n\n", cmd)
	printHelp(env.stderr, env.terminal)
	return exitUsage
}

func printHelp(w io.Writer, terminal bool) {
	fmt.Fprint(w, usage)
	config.Usage(w, terminal)
}

func runServer(ctx context.Context, env environment, role string, args []string) int {
	args, demo := demoFlag(args) // serve --demo: seed a small catalog on first start (seed.go)
	cfg, err := config.Load(config.Source{Args: args, Getenv: env.getenv, Terminal: env.terminal})
	if err == config.ErrHelp {
		printHelp(env.stdout, env.terminal)
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(env.stderr, err)
		return exitUsage
	}
	logger := newLogger(env.stderr, cfg)
	if demo && role == "serve" {
		if err := seedDemo(ctx, cfg, logger); err != nil {
			logger.Error("souq demo seeding failed", slog.String("error", err.Error()))
			return exitFailure
		}
	}
	roles := map[string][]string{"serve": {"write", "read", "project"}, "write": {"write"}, "read": {"read"}, "project": {"project"}}[role]
	if err := serve(ctx, cfg, logger, roles); err != nil {
		logger.Error("souq stopped with an error", slog.String("error", err.Error()))
		return exitFailure
	}
	return exitOK
}

func newLogger(w io.Writer, cfg config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == config.Text {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// buildVersion reads what the Go toolchain stamped into the binary: the
// module version (a tag for `go install …@v1.2.3`, "(devel)" for a build
// from a checkout) and the VCS revision when built with -buildvcs.
func buildVersion() (version, commit, goVersion string) {
	version, commit, goVersion = "(devel)", "unknown", "unknown"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return version, commit, goVersion
	}
	goVersion = info.GoVersion
	if info.Main.Version != "" {
		version = info.Main.Version
	}
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && commit != "unknown" {
		commit += "-dirty"
	}
	return version, commit, goVersion
}

func versionLine() string {
	v, c, g := buildVersion()
	return strings.Join([]string{"souq", v, "commit " + c, g}, " ")
}
