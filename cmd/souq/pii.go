package main

import (
	"context"
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
// events (the SQLite file, the PostgreSQL schema), so `souq forget` can
// erase them. KurrentDB has no table to keep keys beside its events and is
// returned as it is; its personal data stays in plaintext.
func sealPersonal(ctx context.Context, cfg config.Config, logger *slog.Logger, s eventstore.Store) (eventstore.Store, error) {
	var keys *keyring.SQL
	var err error
	switch cfg.EventStore {
	case config.SQLite:
		keys, err = keyring.OpenSQLite(ctx, filepath.Join(cfg.DataDir, "events.db"), keyring.Options{Logger: logger})
	case config.Postgres:
		keys, err = keyring.OpenPostgres(ctx, cfg.PostgresURL, cfg.PostgresSchema, keyring.Options{Logger: logger})
	default:
		logger.Warn("personal data is stored in plaintext: souq forget needs the SQLite or PostgreSQL event store")
		return s, nil
	}
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("open the keyring of personal data: %w", err)
	}
	return pii.Wrap(s, keys, usercmd.PersonalData()), nil
}

// backend is the event store under any wrapper, for the checks that ask
// which backend runs.
func backend(s eventstore.Store) eventstore.Store {
	if w, ok := s.(interface{ Unwrap() eventstore.Store }); ok {
		return backend(w.Unwrap())
	}
	return s
}
