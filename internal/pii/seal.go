package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Version is the sealed-value format written today; the only one read.
const Version = "v1"

// Erased is what a personal field reads as once its subject is forgotten.
const Erased = "[erased]"

// KeySize is the size of a data key: AES-256.
const KeySize = 32

const nonceSize = 12 // GCM's standard nonce

// maxSealed bounds a sealed value's ciphertext: personal fields are short
// text (an address line, an email), and a hostile value must not make a
// reader allocate much.
const maxSealed = 8 << 10

// Sealed is the stored form of one personal field: its JSON value
// encrypted with the subject's data key (AES-256-GCM, random nonce). The
// subject is in the clear so the reader knows which key to ask for; it is
// the pseudonymous ID the stream already names.
type Sealed struct {
	Sealed  string `json:"sealed"`
	Subject string `json:"subject"`
	Nonce   []byte `json:"nonce"`
	CT      []byte `json:"ct"`
}

// Place is where a sealed value lives: the associated data that binds the
// ciphertext to its subject, event and field, so it cannot be moved to
// another customer, another event or another field and still open.
type Place struct {
	Subject   string
	EventID   string
	EventType string
	Path      string
}

func (p Place) aad() []byte {
	return []byte(strings.Join([]string{"souq.pii." + Version, p.Subject, p.EventID, p.EventType, p.Path}, "\x00"))
}

// ErrMalformed: a value that claims to be sealed but cannot be opened with
// the right key: truncated, tampered, moved from elsewhere, or of a format
// this build does not know. It is never confused with an erased value.
var ErrMalformed = errors.New("pii: malformed sealed value")

// Seal encrypts the JSON value plain under key for place.
func Seal(key []byte, place Place, plain json.RawMessage) (json.RawMessage, error) {
	aead, err := gcm(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("pii: nonce: %w", err)
	}
	return json.Marshal(Sealed{Sealed: Version, Subject: place.Subject, Nonce: nonce, CT: aead.Seal(nil, nonce, plain, place.aad())})
}

// Parse reads a sealed value's envelope without opening it: ok is false
// when raw is not a sealed value at all (a plaintext field written before
// sealing began), and err is ErrMalformed when it claims to be one but its
// envelope is broken.
func Parse(raw json.RawMessage) (s Sealed, ok bool, err error) {
	if len(raw) == 0 || raw[0] != '{' {
		return Sealed{}, false, nil
	}
	if len(raw) > 2*maxSealed {
		return Sealed{}, true, fmt.Errorf("%w: %d bytes", ErrMalformed, len(raw))
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return Sealed{}, true, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	switch {
	case s.Sealed != Version:
		return s, true, fmt.Errorf("%w: format %q", ErrMalformed, s.Sealed)
	case s.Subject == "":
		return s, true, fmt.Errorf("%w: no subject", ErrMalformed)
	case len(s.Nonce) != nonceSize:
		return s, true, fmt.Errorf("%w: nonce of %d bytes", ErrMalformed, len(s.Nonce))
	case len(s.CT) < 16 || len(s.CT) > maxSealed:
		return s, true, fmt.Errorf("%w: ciphertext of %d bytes", ErrMalformed, len(s.CT))
	}
	return s, true, nil
}

// Open decrypts a parsed sealed value with key for place. A subject other
// than the place's, or any change to nonce, ciphertext or place, fails
// authentication and is ErrMalformed.
func Open(key []byte, place Place, s Sealed) (json.RawMessage, error) {
	if s.Subject != place.Subject {
		return nil, fmt.Errorf("%w: sealed for subject %q, found under %q", ErrMalformed, s.Subject, place.Subject)
	}
	aead, err := gcm(key)
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, s.Nonce, s.CT, place.aad())
	if err != nil {
		return nil, fmt.Errorf("%w: %s of %s in event %s does not authenticate", ErrMalformed, place.Path, place.EventType, place.EventID)
	}
	if !json.Valid(plain) {
		return nil, fmt.Errorf("%w: %s is not JSON once opened", ErrMalformed, place.Path)
	}
	return plain, nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("pii: a data key is %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("pii: %w", err)
	}
	return cipher.NewGCM(block)
}

// NewKey returns a fresh random data key.
func NewKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("pii: new key: %w", err)
	}
	return k, nil
}
