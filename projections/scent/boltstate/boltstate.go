package boltstate

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

var bucket = []byte("state")

// Store is records by key in one bbolt file. It is safe for concurrent
// use (bbolt serialises writers).
type Store struct{ db *bolt.DB }

// Open opens (or creates) the file at path.
func Open(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("boltstate: open %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		return nil, fmt.Errorf("boltstate: %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// LoadState returns the stored records among keys; absent keys are absent.
func (s *Store) LoadState(_ context.Context, keys []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		for _, k := range keys {
			if v := b.Get([]byte(k)); v != nil {
				out[k] = slices.Clone(v) // bbolt's memory is the transaction's
			}
		}
		return nil
	})
	return out, err
}

// SaveState stores records in one synced transaction.
func (s *Store) SaveState(_ context.Context, records map[string][]byte) error {
	if len(records) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		for _, k := range slices.Sorted(maps.Keys(records)) {
			if err := b.Put([]byte(k), records[k]); err != nil {
				return fmt.Errorf("boltstate: save %s: %w", k, err)
			}
		}
		return nil
	})
}
