package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/souq-market/souq/commands"
	usercmd "github.com/souq-market/souq/commands/user"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/config"
)

const forgetUsage = `Usage: souq forget CUSTOMER [--reason TEXT] [--by STAFF_ID] [flags]
       souq forget --unwrap-keys [flags]

Erases a customer's personal data — name, phone, email, addresses — without
rewriting the log: records user.forgotten (no personal data in it), frees
their email for a new account, then destroys their data key, so every field
sealed with it, in every event ever stored, reads as "[erased]" in history,
read models and a rebuild alike. Orders, payments and wallets keep their
amounts: totals do not change. Running it again finishes a run cut short.

Fields written before sealing began (events stored by a souq without it)
are plaintext and cannot be erased this way. KurrentDB stores are not sealed.

--unwrap-keys stores the data keys unwrapped again, for a deployment giving
up SOUQ_PII_MASTER_KEY: stop every souq process, run it with the master key
set, then start them without it. (Setting a master key needs no command:
the next start wraps the keys stored before.)
`

// forgetCLI runs `souq forget`.
func forgetCLI(ctx context.Context, env environment, args []string) int {
	if len(args) > 0 && strings.TrimLeft(args[0], "-") == "unwrap-keys" {
		return unwrapKeysCLI(ctx, env, args[1:])
	}
	if len(args) < 1 || strings.HasPrefix(args[0], "-") || args[0] == "help" {
		fmt.Fprint(env.stderr, forgetUsage)
		return exitUsage
	}
	id, args := user.ID(args[0]), args[1:]
	opts, rest, err := takeFlags(args, []string{"reason", "by"})
	if err != nil {
		fmt.Fprintf(env.stderr, "souq forget: %v\n\n%s", err, forgetUsage)
		return exitUsage
	}
	_, logger, store, code := openForCLI(ctx, env, "forget", forgetUsage, rest)
	if store == nil {
		return code
	}
	defer func() { _ = store.Close() }()
	keys, ok := store.(usercmd.Shredder)
	if !ok {
		fmt.Fprintln(env.stderr, "souq forget: this event store keeps personal data in plaintext (KurrentDB); nothing can be erased")
		return exitFailure
	}
	by := opts["by"]
	if by == "" {
		by = "souq-cli"
	}
	exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{Logger: logger})
	res, err := usercmd.Forget{Deps: usercmd.Deps{Exec: exec, Now: time.Now}, Keys: keys}.Handle(ctx,
		usercmd.ForgetCmd{UserID: id, Reason: opts["reason"]},
		commands.Meta{Actor: eventstore.Actor{UserID: by, Role: "super_admin"}})
	if err != nil {
		fmt.Fprintln(env.stderr, "souq forget:", err)
		return exitFailure
	}
	fmt.Fprintf(env.stdout, "forgot %s (position %d): their personal data reads as %q from now on\n", id, res.Position, "[erased]")
	return exitOK
}

// unwrapKeysCLI runs `souq forget --unwrap-keys`.
func unwrapKeysCLI(ctx context.Context, env environment, args []string) int {
	cfg, err := config.Load(config.Source{Args: args, Getenv: env.getenv, Terminal: env.terminal})
	if err != nil {
		fmt.Fprintf(env.stderr, "souq forget --unwrap-keys: %v\n\n%s", err, forgetUsage)
		return exitUsage
	}
	if cfg.PIIMasterKey == "" {
		fmt.Fprintln(env.stderr, "souq forget --unwrap-keys: SOUQ_PII_MASTER_KEY is not set: it is the key the data keys are wrapped with, and it is needed to unwrap them")
		return exitUsage
	}
	keys, err := openKeyring(ctx, cfg, newLogger(env.stderr, cfg))
	if err != nil {
		fmt.Fprintln(env.stderr, "souq forget --unwrap-keys:", err)
		return exitFailure
	}
	defer func() { _ = keys.Close() }()
	n, err := keys.Unwrap(ctx)
	if err != nil {
		fmt.Fprintln(env.stderr, "souq forget --unwrap-keys:", err)
		return exitFailure
	}
	fmt.Fprintf(env.stdout, "unwrapped %d data keys: start souq without SOUQ_PII_MASTER_KEY now (a start with it would wrap them again)\n", n)
	return exitOK
}
