package blob

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Link lifetimes accepted by PresignGet: S3 allows at most 7 days.
const (
	MinTTL = time.Second
	MaxTTL = 7 * 24 * time.Hour
)

// Links signs and checks download links of a store that cannot presign
// (Files): the read API serves LinkPath + key with ?expires=&sig=, an
// HMAC-SHA256 over the key and the expiry, checked in constant time.
type Links struct {
	Secret []byte // 32+ random bytes
	// Base is prefixed to the link ("https://read.souq.example"); empty
	// gives a path relative to the read API.
	Base string
	Now  func() time.Time
}

// LinkPath is the read API's route prefix of signed downloads.
const LinkPath = "/v1/blobs/"

func (l Links) now() time.Time {
	if l.Now == nil {
		return time.Now()
	}
	return l.Now()
}

func (l Links) mac(key string, expires int64) string {
	m := hmac.New(sha256.New, l.Secret)
	fmt.Fprintf(m, "souq blob link\x00%s\x00%d", key, expires)
	return hex.EncodeToString(m.Sum(nil))
}

// Sign is a link to key valid for ttl.
func (l Links) Sign(key string, ttl time.Duration) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	if ttl < MinTTL || ttl > MaxTTL {
		return "", fmt.Errorf("%w: %s is not within %s..%s", ErrBadTTL, ttl, MinTTL, MaxTTL)
	}
	exp := l.now().Add(ttl).Unix()
	q := url.Values{"expires": {strconv.FormatInt(exp, 10)}, "sig": {l.mac(key, exp)}}
	return l.Base + LinkPath + key + "?" + q.Encode(), nil
}

// Verify checks a link's key, expiry and signature; every failure is
// ErrBadLink (or ErrBadKey), with no hint which part was wrong.
func (l Links) Verify(key, expires, sig string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || len(sig) != 64 || !hmac.Equal([]byte(sig), []byte(l.mac(key, exp))) || l.now().Unix() > exp {
		return ErrBadLink
	}
	return nil
}
