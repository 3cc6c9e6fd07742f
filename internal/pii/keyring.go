package pii

import (
	"context"
	"errors"
	"sync"
)

var (
	// ErrForgotten: the subject's key was destroyed; its data reads as Erased.
	ErrForgotten = errors.New("pii: subject forgotten")
	// ErrNoKey: the subject never had a key.
	ErrNoKey = errors.New("pii: no key")
)

// Keyring holds one data key per subject (a customer). Implementations
// keep no cache that could outlive a Forget made by another process: a
// forgotten subject's key is never served again.
type Keyring interface {
	// Key returns the subject's data key. With create, a subject without
	// one gets a fresh random key (two processes racing agree on one). A
	// forgotten subject is ErrForgotten, with or without create; without
	// create, a subject with no key is ErrNoKey.
	Key(ctx context.Context, subject string, create bool) ([]byte, error)
	// Keys returns the keys of those subjects that have one, in one
	// look-up: a page of events from many customers is opened at the cost
	// of one query, not one per customer. Forgotten subjects, and subjects
	// with no key, are absent from the map.
	Keys(ctx context.Context, subjects []string) (map[string][]byte, error)
	// Forget destroys the subject's key and leaves a tombstone, so no key
	// is ever created for it again. Forgetting twice is no error.
	Forget(ctx context.Context, subject string) error
}

// Memory is a Keyring in process memory, for tests.
type Memory struct {
	mu   sync.Mutex
	keys map[string][]byte // nil value: forgotten
}

// NewMemory returns an empty in-memory keyring.
func NewMemory() *Memory { return &Memory{keys: map[string][]byte{}} }

func (m *Memory) Key(_ context.Context, subject string, create bool) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[subject]
	switch {
	case ok && k == nil:
		return nil, ErrForgotten
	case ok:
		return k, nil
	case !create:
		return nil, ErrNoKey
	}
	k, err := NewKey()
	if err != nil {
		return nil, err
	}
	m.keys[subject] = k
	return k, nil
}

func (m *Memory) Keys(_ context.Context, subjects []string) (map[string][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string][]byte{}
	for _, s := range subjects {
		if k := m.keys[s]; k != nil {
			out[s] = k
		}
	}
	return out, nil
}

func (m *Memory) Forget(_ context.Context, subject string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k := m.keys[subject]; k != nil {
		clear(k)
	}
	m.keys[subject] = nil
	return nil
}
