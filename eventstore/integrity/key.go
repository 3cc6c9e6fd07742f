package integrity

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MinKeyLen is the shortest checkpoint key accepted, in bytes.
const MinKeyLen = 16

// LoadOrCreateKey reads the key kept in the file at path, creating the file
// (mode 0600, 32 random bytes, hex) when it does not exist. It is the
// embedded default: a key beside the data guards against accidents only.
func LoadOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		var key [32]byte
		if _, err := rand.Read(key[:]); err != nil {
			return nil, fmt.Errorf("integrity key: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("integrity key: %w", err)
		}
		// Written aside and linked into place, so a process racing this
		// one reads a whole key or none, and the first one made wins.
		tmp, err := os.CreateTemp(filepath.Dir(path), ".integrity-key-*")
		if err != nil {
			return nil, fmt.Errorf("integrity key: %w", err)
		}
		defer os.Remove(tmp.Name())
		_, werr := tmp.WriteString(hex.EncodeToString(key[:]) + "\n")
		if err := errors.Join(werr, tmp.Chmod(0o600), tmp.Sync(), tmp.Close()); err != nil {
			return nil, fmt.Errorf("integrity key %s: %w", path, err)
		}
		if err := os.Link(tmp.Name(), path); errors.Is(err, os.ErrExist) {
			return LoadOrCreateKey(path)
		} else if err != nil {
			return nil, fmt.Errorf("integrity key: %w", err)
		}
		return key[:], nil
	}
	if err != nil {
		return nil, fmt.Errorf("integrity key: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) < MinKeyLen {
		return nil, fmt.Errorf("integrity key %s: want at least %d bytes in hex", path, MinKeyLen)
	}
	return key, nil
}
