package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/integrity"
)

// WithBeforeCommit sets a hook the writer calls after a batch's rows are
// written at positions first..last and before COMMIT.
func WithBeforeCommit(o Options, hook func(first, last eventstore.Position)) Options {
	o.beforeCommit = hook
	return o
}

// WithoutCure disables the cure: positions come from a plain sequence and the
// counter row is neither locked nor moved. Only for the test that proves the
// cure matters.
func WithoutCure(o Options) Options {
	o.noCure = true
	return o
}

// WithQueued sets a hook each Append calls as it starts waiting for the
// writer, so a test can know every append is queued without sleeping.
func WithQueued(o Options, hook func()) Options {
	o.queued = hook
	return o
}

// WithoutIntegrity turns hashing and checkpoints off, so benchmarks can
// measure what they cost; nothing else may.
func WithoutIntegrity(o Options) Options {
	o.noIntegrity = true
	return o
}

// StoredIntegrity reads every event with its stored hashes, and the
// checkpoints, for tests that rewrite them as an intruder would.
func (s *Store) StoredIntegrity(ctx context.Context) ([]integrity.Row, []integrity.Checkpoint, error) {
	rows, err := s.pool.Query(ctx, s.sql.checkpoints)
	if err != nil {
		return nil, nil, err
	}
	checkpoints, err := pgx.CollectRows(rows, scanCheckpoint)
	if err != nil {
		return nil, nil, err
	}
	if rows, err = s.pool.Query(ctx, s.sql.verify); err != nil {
		return nil, nil, err
	}
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (integrity.Row, error) { return scanIntegrityRow(row.(pgx.Rows)) })
	return events, checkpoints, err
}
