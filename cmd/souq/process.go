package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/souq-market/souq/commands"
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
// projections readiness check) and the two
// sweepers — reservation expiry, and settlement after the return window —
// until the returned stop is called. The card gateway is the
// configured one (gateway.go); the carrier is the sandbox carrier,
// which moves the parcels it booked to delivered (carrier.go).
func startProcess(ctx context.Context, logger *slog.Logger, store eventstore.Store, rs *readSide, bs *blobSide) (stop func(), err error) {
	logger = logger.With(slog.String("component", "process"))
	exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{Logger: logger})
	gw, closeGateway, err := cardGateway(rs.cfg, exec, logger) // gateway.go: Stripe when configured, else the sandbox
	if err != nil {
		return nil, fmt.Errorf("card gateway: %w", err)
	}
	if _, ok := backend(store).(*sqlite.Store); !ok && gw.Provider() == sandbox.Provider {
		// Said at every start of a distributed deployment without
		// Stripe: card payments settle in the sandbox there.
		logger.Warn("card payments settle in the sandbox gateway: SOUQ_STRIPE_API_SECRET is not set; do not take real orders")
	}
	car := sandboxCarrier(exec, bs.store, logger) // carrier.go
	deps := process.Deps{Exec: exec, Logger: logger}
	checkout := process.NewCheckout(process.Checkout{Deps: deps, Gateway: gw})
	earnings := process.NewEarnings(process.Earnings{Deps: deps})
	runner, err := projections.New(ctx, projections.Options{DB: rs.w, Dialect: rs.dialect, Store: store, Logger: logger, BatchSize: 64,
		Registerer: rs.metrics, Label: "process"},
		managed{checkout}, managed{process.NewFulfilment(deps)}, managed{process.NewReturns(process.Returns{Deps: deps, Gateway: gw})}, managed{earnings}, managed{car})
	if err != nil {
		_ = closeGateway()
		_ = car.Close()
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
	logger.Info("process managers running", slog.Any("managers", runner.Names()), slog.String("gateway", gw.Provider()))
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			_ = closeGateway()
			_ = car.Close()
			logger.Info("process managers stopped")
		})
	}, nil
}
