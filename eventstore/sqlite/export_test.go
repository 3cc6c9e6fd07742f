package sqlite

import (
	"context"
	"database/sql"

	"github.com/souq-market/souq/eventstore/integrity"
)

// Transactions counts the write transactions this store has committed, so
// tests can prove appends share them.
func (s *Store) Transactions() int64 { return s.txs.Load() }

// WithoutIntegrity turns hashing and checkpoints off, so benchmarks can
// measure what they cost; nothing else may.
func WithoutIntegrity(o Options) Options {
	o.noIntegrity = true
	return o
}

// StoredIntegrity reads every event with its stored hashes, and the
// checkpoints, for tests that rewrite them as an intruder would.
func (s *Store) StoredIntegrity(ctx context.Context) ([]integrity.Row, []integrity.Checkpoint, error) {
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = tx.Rollback() }()
	checkpoints, err := readCheckpoints(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+integrityColumns+" FROM events ORDER BY position")
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []integrity.Row
	for rows.Next() {
		r, err := scanIntegrityRow(rows)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	return out, checkpoints, rows.Err()
}
