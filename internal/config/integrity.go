package config

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
)

// minIntegrityKey is the shortest checkpoint key accepted, in bytes.
const minIntegrityKey = 16

// setIntegrityKey reads SOUQ_INTEGRITY_KEY, the key that signs the event
// store's checkpoints (eventstore/integrity), as hex or base64 (standard or
// URL-safe, padded or not). Kept decoded as text so that Config stays
// comparable. Empty: the key generated into the data dir.
func setIntegrityKey(c *Config, v string) string {
	c.IntegrityKey = ""
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	key, ok := decodeKey(v, func(n int) bool { return n >= minIntegrityKey })
	if !ok {
		return "must be at least " + strconv.Itoa(minIntegrityKey) + " bytes, in hex or base64"
	}
	c.IntegrityKey = string(key)
	return ""
}

// decodeKey reads a key written in hex or base64 (standard or URL-safe,
// padded or not): the first decoding whose length fits. A string may read
// as both (64 hex digits are base64 too), so a decoding of the wrong
// length does not stop the search; ok is false when none fits.
func decodeKey(v string, fits func(n int) bool) (key []byte, ok bool) {
	if key, err := hex.DecodeString(v); err == nil && fits(len(key)) {
		return key, true
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(v); err == nil && fits(len(key)) {
			return key, true
		}
	}
	return nil, false
}

// setCheckpointEvery reads SOUQ_INTEGRITY_CHECKPOINT_EVERY.
func setCheckpointEvery(c *Config, v string) string {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1_000_000 {
		return "must be a whole number of events from 1 to 1000000"
	}
	c.CheckpointEvery = n
	return ""
}
