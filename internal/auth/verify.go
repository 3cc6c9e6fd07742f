package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Sentinel errors of Verify; each wraps the library's reason.
var (
	ErrNoToken  = errors.New("auth: no bearer token")
	ErrBadToken = errors.New("auth: token refused")
)

// maxTokenBytes bounds what is parsed: no honest access token is larger,
// and a huge one is only work for an attacker's benefit.
const maxTokenBytes = 8 << 10

// Claims are souq's access-token claims: the registered ones, the role and,
// for vendor staff, the vendor acted for.
type Claims struct {
	jwt.RegisteredClaims
	Role     Role   `json:"role"`
	VendorID string `json:"vendor_id,omitempty"`
}

// Verifier turns a bearer token into the actor it names.
type Verifier interface {
	Verify(ctx context.Context, token string) (Actor, error)
}

// VerifierFunc is a function used as a Verifier (tests, adapters).
type VerifierFunc func(ctx context.Context, token string) (Actor, error)

// Verify calls f.
func (f VerifierFunc) Verify(ctx context.Context, token string) (Actor, error) { return f(ctx, token) }

// Options pin what a token must say.
type Options struct {
	Issuer   string // required: tokens of another issuer are refused
	Audience string // required: tokens for another audience are refused
	// Leeway tolerates clock skew on exp, nbf and iat; default 30s.
	Leeway time.Duration
	// Now is the clock, for tests; default time.Now.
	Now func() time.Time
}

// parser builds a jwt parser that accepts only the given algorithms and
// demands exp, iss and aud. The algorithm list is the defence against
// "alg: none" and against an HMAC token signed with an RSA public key.
func (o Options) parser(algs ...string) *jwt.Parser {
	leeway := o.Leeway
	if leeway <= 0 {
		leeway = 30 * time.Second
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(algs), jwt.WithExpirationRequired(), jwt.WithIssuer(o.Issuer),
		jwt.WithAudience(o.Audience), jwt.WithLeeway(leeway), jwt.WithIssuedAt(),
	}
	if o.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(o.Now))
	}
	return jwt.NewParser(opts...)
}

func (o Options) check() error {
	if o.Issuer == "" || o.Audience == "" {
		return errors.New("auth: an issuer and an audience are required")
	}
	return nil
}

// verify parses with keyFn and maps the claims to an actor.
func verify(p *jwt.Parser, token string, keyFn jwt.Keyfunc) (Actor, error) {
	if token == "" {
		return Actor{}, ErrNoToken
	}
	if len(token) > maxTokenBytes {
		return Actor{}, fmt.Errorf("%w: longer than %d bytes", ErrBadToken, maxTokenBytes)
	}
	var c Claims
	if _, err := p.ParseWithClaims(token, &c, keyFn); err != nil {
		return Actor{}, fmt.Errorf("%w: %w", ErrBadToken, err)
	}
	if c.Subject == "" {
		return Actor{}, fmt.Errorf("%w: no subject", ErrBadToken)
	}
	if !c.Role.Valid() {
		return Actor{}, fmt.Errorf("%w: unknown role %q", ErrBadToken, c.Role)
	}
	a := Actor{UserID: c.Subject, Role: c.Role}
	if c.Role == Vendor {
		a.VendorID = c.VendorID
		if a.VendorID == "" {
			a.VendorID = c.Subject
		}
	}
	return a, nil
}

// HMAC verifies HS256 tokens signed with a shared secret: the embedded
// default, where souq issues its own tokens.
type HMAC struct {
	secret []byte
	parser *jwt.Parser
	opts   Options
}

// MinSecretBytes is the shortest HS256 secret accepted (RFC 7518 §3.2: a
// key at least as long as the hash).
const MinSecretBytes = 32

// NewHMAC returns a verifier (and signer) of HS256 tokens.
func NewHMAC(secret []byte, o Options) (*HMAC, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if len(secret) < MinSecretBytes {
		return nil, fmt.Errorf("auth: the HS256 secret has %d bytes, want at least %d", len(secret), MinSecretBytes)
	}
	return &HMAC{secret: append([]byte(nil), secret...), parser: o.parser(jwt.SigningMethodHS256.Alg()), opts: o}, nil
}

// Verify checks a token and returns its actor.
func (h *HMAC) Verify(_ context.Context, token string) (Actor, error) {
	return verify(h.parser, token, func(*jwt.Token) (any, error) { return h.secret, nil })
}

// Sign issues an access token for an actor, valid for ttl. Login (a later
// part) and tests use it.
func (h *HMAC) Sign(a Actor, ttl time.Duration) (string, error) {
	now := time.Now()
	if h.opts.Now != nil {
		now = h.opts.Now()
	}
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: h.opts.Issuer, Audience: jwt.ClaimStrings{h.opts.Audience}, Subject: a.UserID,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Role: a.Role,
	}
	if a.Role == Vendor && a.VendorID != a.UserID {
		c.VendorID = a.VendorID
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(h.secret)
}
