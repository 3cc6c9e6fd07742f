package sqlite

// Transactions counts the write transactions this store has committed, so
// tests can prove appends share them.
func (s *Store) Transactions() int64 { return s.txs.Load() }
