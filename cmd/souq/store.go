package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/integrity"
	"github.com/souq-market/souq/eventstore/kurrent"
	"github.com/souq-market/souq/eventstore/postgres"
	"github.com/souq-market/souq/eventstore/sqlite"
	"github.com/souq-market/souq/internal/config"
)

// openStore opens the event store the configuration names. Every backend
// behind it passes the same acceptance suite, so nothing past this function
// knows which one it got. Personal data is sealed above it (pii.go).
func openStore(ctx context.Context, cfg config.Config, logger *slog.Logger) (eventstore.Store, error) {
	logger = logger.With(slog.String("component", "eventstore"))
	// The key that signs the SQL stores' checkpoints: configured, or kept
	// in the data dir (which guards against accidental edits only).
	key := []byte(cfg.IntegrityKey)
	if len(key) == 0 && cfg.EventStore != config.KurrentDB {
		var err error
		if key, err = integrity.LoadOrCreateKey(filepath.Join(cfg.DataDir, "integrity.key")); err != nil {
			return nil, err
		}
		if cfg.EventStore == config.Postgres {
			// Every process writing one PostgreSQL log must sign with one
			// key, or verify finds the others' checkpoints forged.
			logger.Warn("no SOUQ_INTEGRITY_KEY: checkpoints are signed with this process's data-dir key; set one key for every process that writes the log",
				slog.String("key_file", filepath.Join(cfg.DataDir, "integrity.key")))
		}
	}
	switch cfg.EventStore {
	case config.SQLite:
		s, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "events.db"), sqlite.Options{Logger: logger, IntegrityKey: key, CheckpointEvery: cfg.CheckpointEvery})
		if err != nil {
			return nil, fmt.Errorf("open the sqlite event store in %s: %w", cfg.DataDir, err)
		}
		return sealPersonal(ctx, cfg, logger, s) // pii.go
	case config.Postgres:
		s, err := postgres.Open(ctx, cfg.PostgresURL, postgres.Options{Schema: cfg.PostgresSchema, Logger: logger, IntegrityKey: key, CheckpointEvery: cfg.CheckpointEvery})
		if err != nil {
			return nil, fmt.Errorf("open the postgres event store: %w", err)
		}
		return sealPersonal(ctx, cfg, logger, s) // pii.go
	case config.KurrentDB:
		// The client dials lazily: an unreachable server shows in /readyz,
		// not as a failed start, so the process can wait for it.
		s, err := kurrent.Open(ctx, cfg.KurrentURL, kurrent.Options{Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("open the kurrentdb event store: %w", err)
		}
		return sealPersonal(ctx, cfg, logger, s) // pii.go
	}
	return nil, fmt.Errorf("unknown event store %q", cfg.EventStore)
}
