package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	usercmd "github.com/souq-market/souq/commands/user"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/pii"
	"github.com/souq-market/souq/internal/pii/keyring"
)

// sealPersonal wraps an SQL event store in pii.Store: customers' personal
// fields are sealed with per-customer keys kept in a table beside the
// events (the SQLite file, the PostgreSQL schema), wrapped by
// SOUQ_PII_MASTER_KEY when it is set, so `souq forget` can erase them.
// KurrentDB has no table to keep keys beside its events and is returned as
// it is; its personal data stays in plaintext.
func sealPersonal(ctx context.Context, cfg config.Config, logger *slog.Logger, s eventstore.Store) (eventstore.Store, error) {
	keys, err := openKeyring(ctx, cfg, logger)
	if errors.Is(err, errNoKeyring) {
		logger.Warn("personal data is stored in plaintext: souq forget needs the SQLite or PostgreSQL event store")
		return s, nil
	}
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	return pii.Wrap(s, keys, usercmd.PersonalData()), nil
}

var errNoKeyring = errors.New("the KurrentDB event store keeps no keyring of personal data")

// openKeyring opens the keyring of the configured SQL event store. A
// master-key setting its stored keys disagree with stops the start here,
// saying what to do, rather than leaving each key to fail as it is read.
func openKeyring(ctx context.Context, cfg config.Config, logger *slog.Logger) (*keyring.SQL, error) {
	opts := keyring.Options{Logger: logger}
	if cfg.PIIMasterKey != "" {
		opts.MasterKey = []byte(cfg.PIIMasterKey)
	}
	var keys *keyring.SQL
	var err error
	switch cfg.EventStore {
	case config.SQLite:
		keys, err = keyring.OpenSQLite(ctx, filepath.Join(cfg.DataDir, "events.db"), opts)
	case config.Postgres:
		keys, err = keyring.OpenPostgres(ctx, cfg.PostgresURL, cfg.PostgresSchema, opts)
	default:
		return nil, errNoKeyring
	}
	switch {
	case errors.Is(err, keyring.ErrMasterKeyMissing):
		return nil, fmt.Errorf("open the keyring of personal data: its data keys are wrapped by a master key: set SOUQ_PII_MASTER_KEY to it (to give it up, stop every souq process and run `souq forget --unwrap-keys` with it set, then start without it): %w", err)
	case errors.Is(err, keyring.ErrWrongMasterKey):
		return nil, fmt.Errorf("open the keyring of personal data: SOUQ_PII_MASTER_KEY is not the master key that wrapped its data keys: %w", err)
	case err != nil:
		return nil, fmt.Errorf("open the keyring of personal data: %w", err)
	}
	return keys, nil
}

// backend is the event store under any wrapper, for the checks that ask
// which backend runs.
func backend(s eventstore.Store) eventstore.Store {
	if w, ok := s.(interface{ Unwrap() eventstore.Store }); ok {
		return backend(w.Unwrap())
	}
	return s
}
