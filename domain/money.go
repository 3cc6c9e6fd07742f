package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Currency is an ISO 4217 code the marketplace trades in.
type Currency string

// The currencies of the Gulf markets souq serves.
const (
	AED Currency = "AED" // UAE dirham, 2 decimals (fils)
	SAR Currency = "SAR" // Saudi riyal, 2 decimals (halalas)
	KWD Currency = "KWD" // Kuwaiti dinar, 3 decimals (fils)
	BHD Currency = "BHD" // Bahraini dinar, 3 decimals (fils)
	OMR Currency = "OMR" // Omani rial, 3 decimals (baisa)
)

// Decimals is the number of minor-unit digits of c, and whether c is known.
func (c Currency) Decimals() (int, bool) {
	switch c {
	case AED, SAR:
		return 2, true
	case KWD, BHD, OMR:
		return 3, true
	}
	return 0, false
}

// Valid reports whether c is a currency souq trades in.
func (c Currency) Valid() bool {
	_, ok := c.Decimals()
	return ok
}

// ParseCurrency accepts a known ISO code, in upper case only: a lower-case
// code in a stored event would be a bug worth hearing about.
func ParseCurrency(s string) (Currency, error) {
	c := Currency(s)
	if !c.Valid() {
		return "", Errorf(Invalid, "money.unknown_currency", "unknown currency %q", s)
	}
	return c, nil
}

// Error codes of money arithmetic.
const (
	CodeUnknownCurrency  = "money.unknown_currency"
	CodeCurrencyMismatch = "money.currency_mismatch"
	CodeOverflow         = "money.overflow"
	CodeBadAmount        = "money.bad_amount"
)

// Money is an amount of integer minor units (fils, halalas, baisa) in one
// currency. It is never a float. The zero value has no currency and every
// operation on it fails, so a forgotten field cannot pass for "free".
type Money struct {
	amount   int64
	currency Currency
}

// New returns amount minor units of c. Unknown currencies are refused.
func New(minor int64, c Currency) (Money, error) {
	if !c.Valid() {
		return Money{}, Errorf(Invalid, CodeUnknownCurrency, "unknown currency %q", c)
	}
	return Money{amount: minor, currency: c}, nil
}

// Zero is no money in c; c must be valid.
func Zero(c Currency) (Money, error) { return New(0, c) }

// ParseAmount reads a decimal amount such as "125", "125.5" or "-0.250" in c.
// It refuses exponents, more decimals than c has (no silent rounding), signs
// other than a single leading '-', separators, and values beyond int64.
func ParseAmount(s string, c Currency) (Money, error) {
	dec, ok := c.Decimals()
	if !ok {
		return Money{}, Errorf(Invalid, CodeUnknownCurrency, "unknown currency %q", c)
	}
	bad := func(why string) (Money, error) {
		return Money{}, Errorf(Invalid, CodeBadAmount, "amount %q: %s", s, why)
	}
	neg := false
	body := s
	if strings.HasPrefix(body, "-") {
		neg, body = true, body[1:]
	}
	whole, frac, hasDot := strings.Cut(body, ".")
	switch {
	case whole == "":
		return bad("no digits before the decimal point")
	case hasDot && frac == "":
		return bad("no digits after the decimal point")
	case len(frac) > dec:
		return bad(fmt.Sprintf("more than %d decimals for %s", dec, c))
	case !digits(whole) || !digits(frac):
		return bad("only digits and one decimal point are allowed")
	}
	frac += strings.Repeat("0", dec-len(frac))
	u, err := strconv.ParseUint(whole+frac, 10, 64)
	if err != nil || u > math.MaxInt64 {
		return Money{}, Errorf(Invalid, CodeOverflow, "amount %q is too large", s)
	}
	n := int64(u)
	if neg {
		n = -n
	}
	return Money{amount: n, currency: c}, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Amount is the number of minor units.
func (m Money) Amount() int64 { return m.amount }

// Currency is the ISO code, empty for the zero value.
func (m Money) Currency() Currency { return m.currency }

// Valid reports whether m has a known currency.
func (m Money) Valid() bool { return m.currency.Valid() }

func (m Money) IsZero() bool     { return m.amount == 0 }
func (m Money) IsNegative() bool { return m.amount < 0 }
func (m Money) IsPositive() bool { return m.amount > 0 }

// String renders "AED 12.50"; for logs and messages, not for parsing.
func (m Money) String() string {
	if !m.Valid() {
		return fmt.Sprintf("%d (no currency)", m.amount)
	}
	return string(m.currency) + " " + m.Decimal()
}

// Decimal renders the amount with the currency's decimals, "-12.50";
// ParseAmount reads it back.
func (m Money) Decimal() string {
	dec, _ := m.currency.Decimals()
	u := uint64(m.amount)
	sign := ""
	if m.amount < 0 {
		sign, u = "-", uint64(-(m.amount+1))+1 // MinInt64 safe
	}
	s := strconv.FormatUint(u, 10)
	if dec == 0 {
		return sign + s
	}
	if len(s) <= dec {
		s = strings.Repeat("0", dec-len(s)+1) + s
	}
	return sign + s[:len(s)-dec] + "." + s[len(s)-dec:]
}

func (m Money) same(o Money) error {
	if !m.Valid() || !o.Valid() {
		return Errorf(Invalid, CodeUnknownCurrency, "money without a currency (%v, %v)", m, o)
	}
	if m.currency != o.currency {
		return Errorf(Invalid, CodeCurrencyMismatch, "cannot combine %s with %s", m.currency, o.currency)
	}
	return nil
}

// Add returns m+o; currencies must match and the sum must fit.
func (m Money) Add(o Money) (Money, error) {
	if err := m.same(o); err != nil {
		return Money{}, err
	}
	s := m.amount + o.amount
	if (s > m.amount) != (o.amount > 0) {
		return Money{}, Errorf(Invalid, CodeOverflow, "%v + %v overflows", m, o)
	}
	return Money{amount: s, currency: m.currency}, nil
}

// Sub returns m−o; currencies must match and the difference must fit.
func (m Money) Sub(o Money) (Money, error) {
	if err := m.same(o); err != nil {
		return Money{}, err
	}
	d := m.amount - o.amount
	if (d < m.amount) != (o.amount > 0) {
		return Money{}, Errorf(Invalid, CodeOverflow, "%v - %v overflows", m, o)
	}
	return Money{amount: d, currency: m.currency}, nil
}

// Neg returns −m.
func (m Money) Neg() (Money, error) {
	if !m.Valid() {
		return Money{}, Errorf(Invalid, CodeUnknownCurrency, "money without a currency")
	}
	if m.amount == math.MinInt64 {
		return Money{}, Errorf(Invalid, CodeOverflow, "-%v overflows", m)
	}
	return Money{amount: -m.amount, currency: m.currency}, nil
}

// Cmp compares m and o: -1, 0 or +1; currencies must match.
func (m Money) Cmp(o Money) (int, error) {
	if err := m.same(o); err != nil {
		return 0, err
	}
	switch {
	case m.amount < o.amount:
		return -1, nil
	case m.amount > o.amount:
		return 1, nil
	}
	return 0, nil
}

// Times returns m × n exactly (a unit price times a quantity).
func (m Money) Times(n int64) (Money, error) {
	if !m.Valid() {
		return Money{}, Errorf(Invalid, CodeUnknownCurrency, "money without a currency")
	}
	p := m.amount * n
	if n != 0 && (p/n != m.amount || (m.amount == -1 && n == math.MinInt64) || (n == -1 && m.amount == math.MinInt64)) {
		return Money{}, Errorf(Invalid, CodeOverflow, "%v × %d overflows", m, n)
	}
	return Money{amount: p, currency: m.currency}, nil
}

// Sum adds amounts in c; an empty list is zero of c.
func Sum(c Currency, ms ...Money) (Money, error) {
	total, err := Zero(c)
	if err != nil {
		return Money{}, err
	}
	for _, m := range ms {
		if total, err = total.Add(m); err != nil {
			return Money{}, err
		}
	}
	return total, nil
}

// BasisPoints is a rate in hundredths of a percent: 500 is 5 %, 10000 is 100 %.
type BasisPoints int64

// MulRate returns m × bp / 10000 rounded half away from zero ("half-up" as
// Gulf tax authorities and shoppers expect: 0.5 fils becomes 1 fils). Money
// is never rounded anywhere else, so every rounded figure passes here.
func (m Money) MulRate(bp BasisPoints) (Money, error) {
	return m.mulDiv(int64(bp), 10000)
}

// mulDiv returns m × num / den rounded half away from zero, in exact
// arithmetic; den must be positive.
func (m Money) mulDiv(num, den int64) (Money, error) {
	if !m.Valid() {
		return Money{}, Errorf(Invalid, CodeUnknownCurrency, "money without a currency")
	}
	if den <= 0 {
		return Money{}, Errorf(Invalid, CodeBadAmount, "division by %d", den)
	}
	q := divRoundHalfUp(new(big.Int).Mul(big.NewInt(m.amount), big.NewInt(num)), big.NewInt(den))
	if !q.IsInt64() {
		return Money{}, Errorf(Invalid, CodeOverflow, "%v × %d / %d overflows", m, num, den)
	}
	return Money{amount: q.Int64(), currency: m.currency}, nil
}

// divRoundHalfUp divides n by a positive d, rounding half away from zero.
func divRoundHalfUp(n, d *big.Int) *big.Int {
	abs := new(big.Int).Abs(n)
	q, r := new(big.Int).QuoRem(abs, d, new(big.Int))
	if r.Lsh(r, 1).Cmp(d) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if n.Sign() < 0 {
		q.Neg(q)
	}
	return q
}

// Allocate splits m across parts in proportion to non-negative weights, so
// that the parts sum to m exactly: each part gets its floor share, then the
// minor units left over go one each to the parts with the largest remainders
// (ties to the earlier part). Used to spread a discount or a wallet amount
// across lines and sub-orders without losing or inventing a fils.
func (m Money) Allocate(weights ...int64) ([]Money, error) {
	if !m.Valid() {
		return nil, Errorf(Invalid, CodeUnknownCurrency, "money without a currency")
	}
	if len(weights) == 0 {
		return nil, Errorf(Invalid, CodeBadAmount, "allocate %v across no parts", m)
	}
	total := new(big.Int)
	for _, w := range weights {
		if w < 0 {
			return nil, Errorf(Invalid, CodeBadAmount, "negative weight %d", w)
		}
		total.Add(total, big.NewInt(w))
	}
	if total.Sign() == 0 {
		return nil, Errorf(Invalid, CodeBadAmount, "weights sum to zero")
	}
	amount := new(big.Int).Abs(big.NewInt(m.amount))
	shares := make([]int64, len(weights))
	rems := make([]*big.Int, len(weights))
	left := new(big.Int).Set(amount)
	for i, w := range weights {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(amount, big.NewInt(w)), total, new(big.Int))
		shares[i], rems[i] = q.Int64(), r
		left.Sub(left, q)
	}
	// left < len(weights): each floor loses less than one unit.
	for n := left.Int64(); n > 0; n-- {
		best := -1
		for i := range rems {
			if rems[i] != nil && (best < 0 || rems[i].Cmp(rems[best]) > 0) {
				best = i
			}
		}
		shares[best]++
		rems[best] = nil
	}
	out := make([]Money, len(weights))
	for i, s := range shares {
		if m.amount < 0 {
			s = -s
		}
		out[i] = Money{amount: s, currency: m.currency}
	}
	return out, nil
}

type moneyJSON struct {
	Amount   json.RawMessage `json:"amount"`
	Currency Currency        `json:"currency"`
}

// MarshalJSON writes {"amount":1250,"currency":"AED"}: integer minor units,
// so no reader ever parses a float.
func (m Money) MarshalJSON() ([]byte, error) {
	return json.Marshal(moneyJSON{Amount: strconv.AppendInt(nil, m.amount, 10), Currency: m.currency})
}

// UnmarshalJSON accepts only an integer amount and a known currency.
func (m *Money) UnmarshalJSON(b []byte) error {
	if got, ok := compactMoney(b); ok {
		*m = got
		return nil
	}
	return m.unmarshalJSON(b)
}

// compactMoney reads exactly what MarshalJSON writes,
// {"amount":-1250,"currency":"SAR"}, without a JSON decoder: replaying a
// history decodes millions of amounts, and a decoder per amount was a third
// of the time spent decoding events. It accepts only what unmarshalJSON
// accepts, with the same result; anything else (other spacing or key order,
// escapes, a value to refuse) is left to unmarshalJSON, reported by ok false.
func compactMoney(b []byte) (m Money, ok bool) {
	const head, mid, tail = `{"amount":`, `,"currency":"`, `"}`
	rest, found := bytes.CutPrefix(b, []byte(head))
	if !found {
		return Money{}, false
	}
	i := 0
	if i < len(rest) && rest[i] == '-' {
		i++
	}
	digits := i
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	// JSON allows no leading zero and no empty number.
	if i == digits || (rest[digits] == '0' && i > digits+1) {
		return Money{}, false
	}
	n, err := strconv.ParseInt(string(rest[:i]), 10, 64)
	if err != nil {
		return Money{}, false
	}
	cur, found := bytes.CutPrefix(rest[i:], []byte(mid))
	if !found || !bytes.HasSuffix(cur, []byte(tail)) {
		return Money{}, false
	}
	cur = cur[:len(cur)-len(tail)]
	for _, c := range cur {
		if c < 'A' || c > 'Z' {
			return Money{}, false
		}
	}
	m, err = New(n, Currency(cur))
	return m, err == nil
}

func (m *Money) unmarshalJSON(b []byte) error {
	var v moneyJSON
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&v); err != nil {
		return Errorf(Invalid, CodeBadAmount, "money: %v", err)
	}
	// ParseInt refuses 12.5, 1e3, "12" and null: only a bare integer passes.
	n, err := strconv.ParseInt(string(v.Amount), 10, 64)
	if err != nil || v.Amount[0] == '+' {
		return Errorf(Invalid, CodeBadAmount, "money: amount %q is not an integer of minor units", v.Amount)
	}
	got, err := New(n, v.Currency)
	if err != nil {
		return err
	}
	*m = got
	return nil
}
