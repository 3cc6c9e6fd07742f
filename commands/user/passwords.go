package user

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// Cost bounds: 10 is the floor the issue sets; above 15 a login takes
// seconds. Production runs 12.
const (
	MinCost     = 10
	MaxCost     = 15
	DefaultCost = 12
)

// Passwords hashes and checks passwords with bcrypt at one cost. It keeps a
// hash of a random password at that cost so that a login for an unknown
// email spends the same bcrypt time as a wrong password: the answer's
// timing does not tell which emails are registered.
type Passwords struct {
	cost  int
	dummy []byte
}

// NewPasswords returns a hasher at cost (MinCost to MaxCost).
func NewPasswords(cost int) (*Passwords, error) {
	if cost < MinCost || cost > MaxCost {
		return nil, fmt.Errorf("user: bcrypt cost %d, want %d to %d", cost, MinCost, MaxCost)
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), cost)
	if err != nil {
		return nil, fmt.Errorf("user: %w", err)
	}
	return &Passwords{cost: cost, dummy: dummy}, nil
}

// Cost is the bcrypt cost of new hashes.
func (p *Passwords) Cost() int { return p.cost }

// Hash returns the bcrypt hash of a password (at most 72 bytes, checked by
// the domain before).
func (p *Passwords) Hash(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), p.cost)
	if err != nil {
		return "", fmt.Errorf("user: hash the password: %w", err)
	}
	return string(h), nil
}

// Match reports whether password is the one hashed. bcrypt compares in
// constant time. A password over bcrypt's 72 bytes never matches, after the
// same work as any other: it is cut to 72 bytes and hashed, then refused.
func (p *Passwords) Match(hash, password string) bool {
	pw := []byte(password)
	tooLong := len(pw) > 72
	if tooLong {
		pw = pw[:72]
	}
	err := bcrypt.CompareHashAndPassword([]byte(hash), pw)
	return err == nil && !tooLong
}

// Waste spends what Match spends, for an email nobody registered.
func (p *Passwords) Waste(password string) {
	_ = p.Match(string(p.dummy), password)
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
