package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/souq-market/souq/internal/httpx"
)

var (
	secret = []byte("0123456789abcdef0123456789abcdef")
	opts   = Options{Issuer: "souq", Audience: "souq-api"}
)

func claims(mutate func(*Claims)) Claims {
	now := time.Now()
	c := Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: "souq", Audience: jwt.ClaimStrings{"souq-api"}, Subject: "u-1",
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}, Role: Customer}
	if mutate != nil {
		mutate(&c)
	}
	return c
}

func sign(t *testing.T, m jwt.SigningMethod, key any, c Claims, kid string) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHMAC(t *testing.T) {
	h, err := NewHMAC(secret, opts)
	if err != nil {
		t.Fatal(err)
	}
	good, err := h.Sign(Actor{UserID: "staff-7", Role: Vendor, VendorID: "v-1"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	a, err := h.Verify(context.Background(), good)
	if err != nil || a != (Actor{UserID: "staff-7", Role: Vendor, VendorID: "v-1"}) {
		t.Fatalf("round trip: %+v %v", a, err)
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	refused := map[string]string{
		"alg none":        sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil), ""),
		"HS512":           sign(t, jwt.SigningMethodHS512, secret, claims(nil), ""),
		"RS256":           sign(t, jwt.SigningMethodRS256, rsaKey, claims(nil), ""),
		"expired":         sign(t, jwt.SigningMethodHS256, secret, claims(func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour)) }), ""),
		"no expiry":       sign(t, jwt.SigningMethodHS256, secret, claims(func(c *Claims) { c.ExpiresAt = nil }), ""),
		"issued later":    sign(t, jwt.SigningMethodHS256, secret, claims(func(c *Claims) { c.IssuedAt = jwt.NewNumericDate(time.Now().Add(time.Hour)) }), ""),
		"wrong issuer":    sign(t, jwt.SigningMethodHS256, secret, claims(func(c *Claims) { c.Issuer = "evil" }), ""),
		"no issuer":       sign(t, jwt.SigningMethodHS256, secret, claims(func(c *Claims) { c.Issuer = "" }), ""),
		"wrong audience":  sign(t, jwt.SigningMethodHS256, secret, claims(func(c *Claims) { c.Audience = jwt.ClaimStrings{"x"} }), ""),
		"wrong signature": sign(t, jwt.SigningMethodHS256, []byte("fedcba9876543210fedcba9876543210"), claims(nil), ""),
		"no subject":      sign(t, jwt.SigningMethodHS256, secret, claims(func(c *Claims) { c.Subject = "" }), ""),
		"unknown role":    sign(t, jwt.SigningMethodHS256, secret, claims(func(c *Claims) { c.Role = "root" }), ""),
		"garbage":         "a.b.c",
		"huge":            string(make([]byte, maxTokenBytes+1)),
	}
	for name, tok := range refused {
		t.Run(name, func(t *testing.T) {
			if a, err := h.Verify(context.Background(), tok); !errors.Is(err, ErrBadToken) {
				t.Fatalf("want ErrBadToken, got %+v %v", a, err)
			}
		})
	}
	if _, err := h.Verify(context.Background(), ""); !errors.Is(err, ErrNoToken) {
		t.Fatalf("empty: %v", err)
	}
	if _, err := NewHMAC([]byte("short"), opts); err == nil {
		t.Fatal("a short secret must be refused")
	}
	if _, err := NewHMAC(secret, Options{Issuer: "souq"}); err == nil {
		t.Fatal("an audience is required")
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestJWKS(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{
			{"kty": "RSA", "kid": "r1", "use": "sig", "n": b64(rsaKey.N.Bytes()), "e": b64(big.NewInt(int64(rsaKey.E)).Bytes())},
			{"kty": "EC", "kid": "e1", "crv": "P-256", "x": b64(ecKey.X.FillBytes(make([]byte, 32))), "y": b64(ecKey.Y.FillBytes(make([]byte, 32)))},
		}})
	}))
	defer srv.Close()
	j, err := NewJWKS(srv.URL, srv.Client(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, tok := range map[string]string{
		"RS256": sign(t, jwt.SigningMethodRS256, rsaKey, claims(nil), "r1"),
		"ES256": sign(t, jwt.SigningMethodES256, ecKey, claims(nil), "e1"),
	} {
		if a, err := j.Verify(ctx, tok); err != nil || a.UserID != "u-1" || a.Role != Customer {
			t.Fatalf("%s: %+v %v", name, a, err)
		}
	}
	// Algorithm confusion: an HS256 token "signed" with the RSA public key
	// bytes, and keys used with the other algorithm, are refused.
	pubDER := rsaKey.N.Bytes()
	for name, tok := range map[string]string{
		"HS256 with public key": sign(t, jwt.SigningMethodHS256, pubDER, claims(nil), "r1"),
		"none":                  sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil), "r1"),
		"ES256 naming RSA key":  sign(t, jwt.SigningMethodES256, ecKey, claims(nil), "r1"),
		"wrong issuer":          sign(t, jwt.SigningMethodRS256, rsaKey, claims(func(c *Claims) { c.Issuer = "x" }), "r1"),
		"expired":               sign(t, jwt.SigningMethodRS256, rsaKey, claims(func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour)) }), "r1"),
	} {
		if _, err := j.Verify(ctx, tok); !errors.Is(err, ErrBadToken) {
			t.Fatalf("%s: want ErrBadToken, got %v", name, err)
		}
	}
	// Unknown key IDs refetch at most once per minRefresh.
	before := fetches.Load()
	for range 20 {
		_, _ = j.Verify(ctx, sign(t, jwt.SigningMethodRS256, rsaKey, claims(nil), "invented"))
	}
	if n := fetches.Load() - before; n > 1 {
		t.Fatalf("%d fetches for invented key IDs, want at most 1", n)
	}
}

func TestMiddleware(t *testing.T) {
	h, _ := NewHMAC(secret, opts)
	tok, _ := h.Sign(Actor{UserID: "c-1", Role: Customer}, time.Minute)
	render := httpx.NewRenderer()
	var seen Actor
	mw := Require(h, render, Customer, Admin)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = From(r.Context())
	}))
	admin, _ := h.Sign(Actor{UserID: "a", Role: Auditor}, time.Minute)
	for _, tt := range []struct {
		name   string
		header []string
		status int
	}{
		{"ok", []string{"Bearer " + tok}, 200},
		{"lower-case scheme", []string{"bearer " + tok}, 200},
		{"none", nil, 401},
		{"empty bearer", []string{"Bearer "}, 401},
		{"two headers", []string{"Bearer " + tok, "Bearer " + tok}, 401},
		{"basic", []string{"Basic eDp5"}, 401},
		{"other role", []string{"Bearer " + admin}, 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			seen = Actor{}
			req := httptest.NewRequest("POST", "/", nil)
			for _, v := range tt.header {
				req.Header.Add("Authorization", v)
			}
			rec := httptest.NewRecorder()
			mw.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if (tt.status == 200) != (seen.UserID == "c-1") {
				t.Fatalf("handler saw %+v", seen)
			}
			if tt.status == 401 && rec.Header().Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
}

func TestLoadOrCreateSecret(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Go(func() {
			s, err := LoadOrCreateSecret(dir)
			if err != nil {
				t.Error(err)
			}
			got[i] = s
		})
	}
	wg.Wait()
	for _, s := range got[1:] {
		if string(s) != string(got[0]) || len(s) != MinSecretBytes {
			t.Fatalf("racing starts disagree on the secret")
		}
	}
	info, err := os.Stat(filepath.Join(dir, SecretFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v", info, err)
	}
	again, _ := LoadOrCreateSecret(dir)
	if string(again) != string(got[0]) {
		t.Fatal("a restart must keep the secret")
	}
	if err := os.WriteFile(filepath.Join(dir, SecretFile), []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateSecret(dir); err == nil {
		t.Fatal("a corrupt secret file must fail the start, not be replaced")
	}
}

// FuzzVerify: any token string is refused or accepted, never a panic; an
// accepted one carries a subject and a known role.
func FuzzVerify(f *testing.F) {
	h, _ := NewHMAC(secret, opts)
	good, _ := h.Sign(Actor{UserID: "u", Role: Admin}, time.Hour)
	for _, s := range []string{good, "", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", good + "x", "...."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		a, err := h.Verify(context.Background(), tok)
		if err == nil && (a.UserID == "" || !a.Role.Valid()) {
			t.Fatalf("%q accepted as %+v", tok, a)
		}
		if err != nil && !errors.Is(err, ErrBadToken) && !errors.Is(err, ErrNoToken) {
			t.Fatalf("%q: unclassified error %v", tok, err)
		}
	})
}

// TestAuthenticateWithoutVerifier: a server built without a verifier refuses
// every token as invalid (never lets one through), and says so to the client.
func TestAuthenticateWithoutVerifier(t *testing.T) {
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer anything")
	rec := httptest.NewRecorder()
	a, err := Authenticate(rec, req, nil)
	var he *httpx.Error
	if !errors.As(err, &he) || he.Kind != httpx.KindUnauthenticated || he.Code != CodeTokenInvalid || !errors.Is(err, ErrBadToken) {
		t.Fatalf("got %+v %v", a, err)
	}
	if rec.Header().Get("WWW-Authenticate") == "" {
		t.Fatal("a refused token without WWW-Authenticate")
	}
}
