package integrity

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MinKeyLen is the shortest checkpoint key accepted, in bytes.
const MinKeyLen = 16

// ParseKey decodes a key given as hex or as standard or URL-safe base64
// (padded or not), and refuses one shorter than MinKeyLen bytes.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("integrity key is empty")
	}
	var key []byte
	if b, err := hex.DecodeString(s); err == nil {
		key = b
	} else {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(s); err == nil {
				key = b
				break
			}
		}
	}
	if key == nil {
		return nil, errors.New("integrity key is neither hex nor base64")
	}
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("integrity key has %d bytes, want at least %d", len(key), MinKeyLen)
	}
	return key, nil
}

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
	key, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("integrity key %s: %w", path, err)
	}
	return key, nil
}
