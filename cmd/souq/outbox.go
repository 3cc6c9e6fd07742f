package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/integration"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/kafka"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/outbox"
	"github.com/souq-market/souq/readapi"
)

// integrationFeed serves GET /v1/integration-events from the event store:
// the read API may not reach the store, so the port is implemented here.
func integrationFeed(store eventstore.Store) readapi.IntegrationFeed {
	f := outbox.Feed{Store: store, Mapper: outbox.NewMapper(commands.NewRegistry(), store)}
	return func(ctx context.Context, after uint64, limit int) ([]integration.Event, uint64, error) {
		return f.Read(ctx, after, limit)
	}
}

// startOutbox runs the Kafka outbox when SOUQ_KAFKA_BROKERS is set, with its
// checkpoint in the read side's runner tables (its own runner, like the
// process managers, under the metrics label runner="outbox" and named in
// the projections readiness check), until the returned stop is called. Without brokers it does
// nothing: the HTTP feed serves the same events.
func startOutbox(ctx context.Context, cfg config.Config, logger *slog.Logger, store eventstore.Store, rs *readSide) (stop func(), err error) {
	brokers := cfg.Brokers()
	if len(brokers) == 0 {
		return func() {}, nil
	}
	logger = logger.With(slog.String("component", "outbox"))
	pub, err := kafka.NewPublisher(kafka.Config{Brokers: brokers, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("kafka outbox: %w", err)
	}
	p := outbox.New(outbox.NewMapper(commands.NewRegistry(), store), pub, outbox.Options{Logger: logger})
	runner, err := projections.New(ctx, projections.Options{DB: rs.w, Dialect: rs.dialect, Store: store, Logger: logger, BatchSize: 500,
		Registerer: rs.metrics, Label: "outbox"}, p)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("kafka outbox: %w", err), pub.Close())
	}
	rs.adopt("outbox", runner) // its metrics and readiness on the server's (readside.go)
	run, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = runner.Run(run) })
	logger.Info("kafka outbox running", slog.Any("brokers", brokers))
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			if err := pub.Close(); err != nil {
				logger.Warn("close the kafka publisher", slog.String("error", err.Error()))
			}
			logger.Info("kafka outbox stopped")
		})
	}, nil
}
