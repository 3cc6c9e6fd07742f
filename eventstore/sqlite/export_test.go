package sqlite

// Transactions counts the write transactions this store has committed, so
// tests can prove appends share them.
func (s *Store) Transactions() int64 { return s.txs.Load() }

// WithoutIntegrity turns hashing and checkpoints off, so benchmarks can
// measure what they cost; nothing else may.
func WithoutIntegrity(o Options) Options {
	o.noIntegrity = true
	return o
}
