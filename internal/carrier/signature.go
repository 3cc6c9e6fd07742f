package carrier

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of a signed carrier delivery.
const (
	// TimestampHeader holds the Unix time, in seconds, of signing.
	TimestampHeader = "X-Souq-Timestamp"
	// SignatureHeader holds "sha256=" and the hex HMAC-SHA256, keyed by the
	// carrier's secret, of the timestamp, a dot, and the raw body. The
	// timestamp is signed with the body: were it not, a replayer could put
	// a fresh time on an old delivery.
	SignatureHeader = "X-Souq-Signature"
)

// Refusals of Verify.
var (
	ErrUnsigned  = errors.New("carrier: no signature or timestamp")
	ErrSignature = errors.New("carrier: signature does not match")
	ErrExpired   = errors.New("carrier: timestamp outside the tolerance window")
)

// Sign returns the SignatureHeader value for a body signed at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, strconv.FormatInt(t.Unix(), 10), body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a delivery: the timestamp within tolerance of now either
// way, and the signature, compared in constant time. The MAC is checked
// before the window, so a forger learns nothing about the clock.
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return fmt.Errorf("%w: no secret configured", ErrSignature)
	}
	if timestamp == "" || signature == "" {
		return ErrUnsigned
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || ts <= 0 || len(timestamp) > 12 {
		return fmt.Errorf("%w: the timestamp is not Unix seconds", ErrUnsigned)
	}
	hexSig, ok := strings.CutPrefix(signature, "sha256=")
	got, err := hex.DecodeString(hexSig)
	if !ok || err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: the signature is not sha256=<64 hex digits>", ErrSignature)
	}
	if !hmac.Equal(got, mac(secret, timestamp, body)) {
		return ErrSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed %s from now, tolerance %s", ErrExpired, d.Round(time.Second), tolerance)
	}
	return nil
}
