package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/postgres"
	"github.com/souq-market/souq/eventstore/sqlite"
	"github.com/souq-market/souq/internal/config"
)

// openStore opens the event store the configuration names. Every backend
// behind it passes the same acceptance suite, so nothing past this function
// knows which one it got.
func openStore(ctx context.Context, cfg config.Config) (eventstore.Store, error) {
	switch cfg.EventStore {
	case config.SQLite:
		s, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "events.db"), sqlite.Options{})
		if err != nil {
			return nil, fmt.Errorf("open the sqlite event store in %s: %w", cfg.DataDir, err)
		}
		return s, nil
	case config.Postgres:
		s, err := postgres.Open(ctx, cfg.PostgresURL, postgres.Options{})
		if err != nil {
			return nil, fmt.Errorf("open the postgres event store: %w", err)
		}
		return s, nil
	case config.KurrentDB:
		// eventstore/kurrent is being written (issue 2); until it lands this
		// refuses plainly instead of pretending.
		return nil, errors.New("the kurrentdb event store is not part of this build yet")
	}
	return nil, fmt.Errorf("unknown event store %q", cfg.EventStore)
}
