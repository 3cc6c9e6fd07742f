package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/souq-market/souq/commands"
	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/commands/process"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/sqlite"
	"github.com/souq-market/souq/internal/sandbox"
	"github.com/souq-market/souq/projections"
)

// managed runs a process manager as the runner's Idempotent kind: at least
// once, checkpoint after Handle returned, which is what a manager with
// derived command IDs needs (a redelivery replays as no-ops).
type managed struct{ process.Manager }

// Reset has nothing to empty: a manager's effects are events in the store,
// and replaying it from zero after a reset issues nothing new.
func (managed) Reset(context.Context) error { return nil }

// startProcess runs the process managers — checkout, fulfilment, returns
// and earnings — (checkpoints in the read side's runner tables, their own
// runner, under the metrics label runner="process" and named in the
// projections readiness check) and the two sweepers — reservation expiry,
// and settlement after the return window — until the returned stop is
// called. The card gateway gw and the carriers are serve's one instance of
// each, which serve closes after this stopped: the sandbox carrier runs
// here as a manager, moving the parcels it booked to delivered, and, when
// a carrier's booking API is configured, the tracking poller follows
// those carriers' parcels (carrier.go), asking every
// SOUQ_CARRIER_POLL_INTERVAL.
func startProcess(ctx context.Context, logger *slog.Logger, store eventstore.Store, rs *readSide, gw paycmd.Gateway, cars *carriers) (stop func(), err error) {
	logger = logger.With(slog.String("component", "process"))
	exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{Logger: logger})
	if _, ok := backend(store).(*sqlite.Store); !ok && gw.Provider() == sandbox.Provider {
		// Said at every start of a distributed deployment without
		// Stripe: card payments settle in the sandbox there.
		logger.Warn("card payments settle in the sandbox gateway: SOUQ_STRIPE_API_SECRET is not set; do not take real orders")
	}
	poller, err := cars.poller(ctx, store, exec, logger)
	if err != nil {
		return nil, fmt.Errorf("carrier tracking poller: %w", err)
	}
	deps := process.Deps{Exec: exec, Logger: logger}
	checkout := process.NewCheckout(process.Checkout{Deps: deps, Gateway: gw})
	earnings := process.NewEarnings(process.Earnings{Deps: deps})
	managers := []projections.Projector{managed{checkout}, managed{process.NewFulfilment(deps)},
		managed{process.NewReturns(process.Returns{Deps: deps, Gateway: gw})}, managed{earnings}, managed{cars.sandbox}}
	if poller != nil {
		managers = append(managers, managed{poller})
	}
	runner, err := projections.New(ctx, projections.Options{DB: rs.w, Dialect: rs.dialect, Store: store, Logger: logger, BatchSize: 64,
		Registerer: rs.metrics, Label: "process"}, managers...)
	if err != nil {
		return nil, fmt.Errorf("process managers: %w", err)
	}
	rs.adopt("process", runner) // its metrics and readiness on the server's (readside.go)
	expiry := process.NewExpiry(deps, 0)
	settlement := process.NewSettlement(earnings, 0)
	run, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = runner.Run(run) })
	wg.Go(func() { _ = expiry.Run(run) })
	wg.Go(func() { _ = settlement.Run(run) })
	if poller != nil {
		wg.Go(func() { poller.Run(run, rs.cfg.CarrierPollInterval) })
	}
	logger.Info("process managers running", slog.Any("managers", runner.Names()), slog.String("gateway", gw.Provider()))
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			logger.Info("process managers stopped")
		})
	}, nil
}
