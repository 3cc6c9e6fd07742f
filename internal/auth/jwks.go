package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// JWKS verifies RS256 and ES256 tokens of an external issuer against the
// keys it publishes at a JWKS URL. Keys are cached by key ID; an unknown key
// ID refetches the set, at most once per MinRefresh, so a flood of tokens
// with invented key IDs cannot turn into a flood of fetches.
type JWKS struct {
	url    string
	client *http.Client
	parser *jwt.Parser
	// MinRefresh between fetches triggered by unknown key IDs.
	minRefresh time.Duration

	mu      sync.Mutex
	keys    map[string]any
	fetched time.Time
}

// NewJWKS returns a verifier of tokens signed by the keys at url. client nil
// means a client with a 5 s timeout.
func NewJWKS(url string, client *http.Client, o Options) (*JWKS, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if url == "" {
		return nil, errors.New("auth: no JWKS URL")
	}
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	return &JWKS{url: url, client: client, minRefresh: time.Minute,
		parser: o.parser(jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg())}, nil
}

// Verify checks a token and returns its actor.
func (j *JWKS) Verify(ctx context.Context, token string) (Actor, error) {
	return verify(j.parser, token, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, err := j.key(ctx, kid)
		if err != nil {
			return nil, err
		}
		// The key's type must match the algorithm: an RSA key never
		// verifies an ES256 token and the other way round.
		switch t.Method.(type) {
		case *jwt.SigningMethodRSA:
			if _, ok := key.(*rsa.PublicKey); !ok {
				return nil, fmt.Errorf("key %q is not an RSA key", kid)
			}
		case *jwt.SigningMethodECDSA:
			if _, ok := key.(*ecdsa.PublicKey); !ok {
				return nil, fmt.Errorf("key %q is not an EC key", kid)
			}
		}
		return key, nil
	})
}

func (j *JWKS) key(ctx context.Context, kid string) (any, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if k, ok := j.keys[kid]; ok {
		return k, nil
	}
	if !j.fetched.IsZero() && time.Since(j.fetched) < j.minRefresh {
		return nil, fmt.Errorf("unknown key %q", kid)
	}
	keys, err := j.fetch(ctx)
	j.fetched = time.Now()
	if err != nil {
		return nil, fmt.Errorf("fetch the JWKS: %w", err)
	}
	j.keys = keys
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("unknown key %q", kid)
}

type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

func (j *JWKS) fetch(ctx context.Context) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := j.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, err
	}
	return parseJWKS(set.Keys)
}

// parseJWKS turns JWKs into public keys by key ID, skipping keys not meant
// for signatures and refusing malformed ones.
func parseJWKS(keys []jwk) (map[string]any, error) {
	out := map[string]any{}
	for _, k := range keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		switch k.Kty {
		case "RSA":
			n, err1 := b64int(k.N)
			e, err2 := b64int(k.E)
			if err := errors.Join(err1, err2); err != nil || !e.IsInt64() || e.Int64() < 3 || n.BitLen() < 2048 {
				return nil, fmt.Errorf("key %q: bad or weak RSA key", k.Kid)
			}
			out[k.Kid] = &rsa.PublicKey{N: n, E: int(e.Int64())}
		case "EC":
			if k.Crv != "P-256" {
				continue
			}
			x, err1 := b64int(k.X)
			y, err2 := b64int(k.Y)
			if err := errors.Join(err1, err2); err != nil {
				return nil, fmt.Errorf("key %q: %w", k.Kid, err)
			}
			pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}
			if !pub.Curve.IsOnCurve(x, y) { //nolint:staticcheck // the check is the point
				return nil, fmt.Errorf("key %q: point not on P-256", k.Kid)
			}
			out[k.Kid] = pub
		}
	}
	return out, nil
}

func b64int(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, fmt.Errorf("bad base64url integer")
	}
	return new(big.Int).SetBytes(b), nil
}
