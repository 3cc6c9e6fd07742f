package cache

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Cache is the port. Implementations are safe for concurrent use.
type Cache interface {
	// Load returns the value of key and the revision it is of; ok is false
	// when there is none (never filled, expired or invalidated).
	Load(ctx context.Context, key string) (value []byte, rev uint64, ok bool, err error)
	// Fill stores value as key's value at revision rev for ttl, unless key
	// holds a value of a newer revision or a floor above rev (stored false).
	Fill(ctx context.Context, key string, rev uint64, value []byte, ttl time.Duration) (stored bool, err error)
	// Invalidate says key's subject reached revision rev: a value older
	// than rev is dropped, and values older than rev are refused for ttl.
	Invalidate(ctx context.Context, key string, rev uint64, ttl time.Duration) error

	// Add adds deltas to the fields of group under key, when rev is newer
	// than the group's revision (or the group is new), and records rev;
	// otherwise it changes nothing (applied false). Atomic.
	Add(ctx context.Context, key, group string, rev uint64, deltas map[string]int64) (applied bool, err error)
	// Counters reads the groups of each key, in the order of keys; a key
	// with no counters reads as an empty map.
	Counters(ctx context.Context, keys ...string) ([]map[string]Group, error)

	// Clear deletes every entry and counter whose key starts with prefix
	// (a projector's Reset).
	Clear(ctx context.Context, prefix string) error
	// Ping reports whether the cache answers, for /readyz.
	Ping(ctx context.Context) error
}

// Group is one group of counters: the revision that last changed it and
// its fields.
type Group struct {
	Rev    uint64
	Values map[string]int64
}

// ErrInvalid: an empty key, group or field, a group or field containing
// Sep, the reserved field name, or a TTL of zero or less. Match with
// errors.Is.
var ErrInvalid = errors.New("cache: invalid argument")

// Sep joins a group and a field into one stored field name.
const Sep = "|"

// RevField is the reserved field under which a group's revision is stored
// (group + Sep + RevField).
const RevField = "rev"

// CheckAdd validates the arguments of Add, for every implementation.
func CheckAdd(key, group string, deltas map[string]int64) error {
	if key == "" || group == "" || strings.Contains(group, Sep) {
		return ErrInvalid
	}
	for f := range deltas {
		if f == "" || f == RevField || strings.Contains(f, Sep) {
			return ErrInvalid
		}
	}
	return nil
}

// CheckFill validates a key and TTL, for every implementation.
func CheckFill(key string, ttl time.Duration) error {
	if key == "" || ttl <= 0 {
		return ErrInvalid
	}
	return nil
}
