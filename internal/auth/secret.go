package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SecretFile is the name of the generated HS256 secret in the data dir.
const SecretFile = "jwt-secret"

// LoadOrCreateSecret returns the HS256 secret stored in dir, generating 32
// random bytes on first start. The file (0600) is linked into place, so
// two processes starting at once on one data dir agree on one secret.
func LoadOrCreateSecret(dir string) ([]byte, error) {
	path := filepath.Join(dir, SecretFile)
	for range 2 {
		b, err := os.ReadFile(path)
		if err == nil {
			secret, derr := hex.DecodeString(strings.TrimSpace(string(b)))
			if derr != nil || len(secret) < MinSecretBytes {
				return nil, fmt.Errorf("auth: %s holds no valid secret (%d hex bytes wanted); fix or delete it", path, MinSecretBytes)
			}
			return secret, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("auth: read the secret: %w", err)
		}
		secret := make([]byte, MinSecretBytes)
		_, _ = rand.Read(secret) // never fails (crypto/rand since Go 1.24)
		// Written aside, then linked into place: link fails if the name
		// exists, so a racing process never reads a half-written file.
		f, err := os.CreateTemp(dir, SecretFile+".*")
		if err != nil {
			return nil, fmt.Errorf("auth: create the secret: %w", err)
		}
		_, werr := f.WriteString(hex.EncodeToString(secret) + "\n")
		serr := f.Sync()
		if err := errors.Join(werr, serr, f.Close()); err != nil {
			_ = os.Remove(f.Name())
			return nil, fmt.Errorf("auth: write the secret: %w", err)
		}
		err = os.Link(f.Name(), path)
		_ = os.Remove(f.Name())
		if errors.Is(err, fs.ErrExist) {
			continue // another process won the race: read its secret
		}
		if err != nil {
			return nil, fmt.Errorf("auth: store the secret: %w", err)
		}
		return secret, nil
	}
	return nil, fmt.Errorf("auth: %s appeared and vanished while starting", path)
}
