package domain_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/souq-market/souq/domain"
)

func money(t testing.TB, minor int64, c domain.Currency) domain.Money {
	t.Helper()
	m, err := domain.New(minor, c)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := domain.CodeOf(err); got != code {
		t.Fatalf("want error %q, got %v", code, err)
	}
}

func TestNewRefusesUnknownCurrency(t *testing.T) {
	for _, c := range []domain.Currency{"", "USD", "aed", "AEDX"} {
		_, err := domain.New(100, c)
		wantCode(t, err, domain.CodeUnknownCurrency)
		if domain.KindOf(err) != domain.Invalid {
			t.Fatalf("%q: kind %v", c, domain.KindOf(err))
		}
	}
}

func TestParseAmount(t *testing.T) {
	ok := []struct {
		in   string
		c    domain.Currency
		want int64
	}{
		{"0", domain.AED, 0},
		{"12", domain.AED, 1200},
		{"12.5", domain.AED, 1250},
		{"12.50", domain.SAR, 1250},
		{"-0.01", domain.AED, -1},
		{"1.234", domain.KWD, 1234},
		{"0.5", domain.OMR, 500},
		{"92233720368547758.07", domain.AED, math.MaxInt64},
	}
	for _, tc := range ok {
		m, err := domain.ParseAmount(tc.in, tc.c)
		if err != nil || m.Amount() != tc.want || m.Currency() != tc.c {
			t.Errorf("ParseAmount(%q, %s) = %v, %v; want %d", tc.in, tc.c, m, err, tc.want)
		}
	}
	bad := []struct {
		in   string
		c    domain.Currency
		code string
	}{
		{"", domain.AED, domain.CodeBadAmount},
		{"1.005", domain.AED, domain.CodeBadAmount}, // no silent rounding
		{"1e3", domain.AED, domain.CodeBadAmount},   // no float syntax
		{"1.", domain.AED, domain.CodeBadAmount},
		{".5", domain.AED, domain.CodeBadAmount},
		{"+1", domain.AED, domain.CodeBadAmount},
		{"--1", domain.AED, domain.CodeBadAmount},
		{"1,000", domain.AED, domain.CodeBadAmount},
		{" 1", domain.AED, domain.CodeBadAmount},
		{"NaN", domain.AED, domain.CodeBadAmount},
		{"92233720368547758.08", domain.AED, domain.CodeOverflow},
		{"1", "USD", domain.CodeUnknownCurrency},
	}
	for _, tc := range bad {
		_, err := domain.ParseAmount(tc.in, tc.c)
		if domain.CodeOf(err) != tc.code {
			t.Errorf("ParseAmount(%q, %s): want %s, got %v", tc.in, tc.c, tc.code, err)
		}
	}
}

// FuzzParseAmount: whatever is accepted prints back to the same value, and
// nothing panics.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0", "12.50", "-0.001", "1e3", "9223372036854775807", "1.2.3", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []domain.Currency{domain.AED, domain.KWD} {
			m, err := domain.ParseAmount(s, c)
			if err != nil {
				if domain.KindOf(err) != domain.Invalid {
					t.Fatalf("%q: error of kind %v: %v", s, domain.KindOf(err), err)
				}
				continue
			}
			back, err := domain.ParseAmount(m.Decimal(), c)
			if err != nil || back != m {
				t.Fatalf("%q → %v → %q → %v, %v", s, m, m.Decimal(), back, err)
			}
		}
	})
}

func TestArithmetic(t *testing.T) {
	a, b := money(t, 1050, domain.AED), money(t, 250, domain.AED)
	if s, err := a.Add(b); err != nil || s != money(t, 1300, domain.AED) {
		t.Fatalf("add: %v %v", s, err)
	}
	if s, err := b.Sub(a); err != nil || s != money(t, -800, domain.AED) {
		t.Fatalf("sub: %v %v", s, err)
	}
	if n, err := a.Neg(); err != nil || n.Amount() != -1050 {
		t.Fatalf("neg: %v %v", n, err)
	}
	_, err := a.Add(money(t, 1, domain.SAR))
	wantCode(t, err, domain.CodeCurrencyMismatch)
	_, err = a.Sub(domain.Money{})
	wantCode(t, err, domain.CodeUnknownCurrency)
	_, err = money(t, math.MaxInt64, domain.AED).Add(money(t, 1, domain.AED))
	wantCode(t, err, domain.CodeOverflow)
	_, err = money(t, math.MinInt64, domain.AED).Sub(money(t, 1, domain.AED))
	wantCode(t, err, domain.CodeOverflow)
	_, err = money(t, math.MinInt64, domain.AED).Neg()
	wantCode(t, err, domain.CodeOverflow)
	if _, err := money(t, math.MinInt64, domain.AED).Add(money(t, math.MaxInt64, domain.AED)); err != nil {
		t.Fatalf("min+max must fit: %v", err)
	}
}

func TestTimes(t *testing.T) {
	if p, err := money(t, 1250, domain.AED).Times(3); err != nil || p.Amount() != 3750 {
		t.Fatalf("%v %v", p, err)
	}
	for _, tc := range [][2]int64{{math.MaxInt64, 2}, {math.MinInt64, -1}, {-1, math.MinInt64}, {1 << 32, 1 << 31}} {
		if _, err := money(t, tc[0], domain.AED).Times(tc[1]); domain.CodeOf(err) != domain.CodeOverflow {
			t.Errorf("%d × %d: %v", tc[0], tc[1], err)
		}
	}
}

func TestMulRateRoundsHalfAwayFromZero(t *testing.T) {
	for _, tc := range []struct {
		amount, bp, want int64
	}{
		{1000, 500, 50},
		{10, 500, 1},   // 0.5 → 1
		{9, 500, 0},    // 0.45 → 0
		{-10, 500, -1}, // −0.5 → −1
		{30, 500, 2},   // 1.5 → 2 (banker's would give 2 too)
		{50, 500, 3},   // 2.5 → 3 (banker's would give 2)
		{12345, 0, 0},  // no rate
		{12345, 10000, 12345},
	} {
		got, err := money(t, tc.amount, domain.AED).MulRate(domain.BasisPoints(tc.bp))
		if err != nil || got.Amount() != tc.want {
			t.Errorf("%d × %d bp = %v, %v; want %d", tc.amount, tc.bp, got, err, tc.want)
		}
	}
	_, err := money(t, math.MaxInt64, domain.AED).MulRate(20000)
	wantCode(t, err, domain.CodeOverflow)
}

func TestAllocateSumsExactly(t *testing.T) {
	got, err := money(t, 100, domain.AED).Allocate(1, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Amount() != 34 || got[1].Amount() != 33 || got[2].Amount() != 33 {
		t.Fatalf("100 / 3 = %v", got)
	}
	got, _ = money(t, -5, domain.AED).Allocate(3, 1)
	if got[0].Amount() != -4 || got[1].Amount() != -1 {
		t.Fatalf("-5 by 3:1 = %v", got)
	}
	for _, w := range [][]int64{{}, {0, 0}, {1, -1}} {
		if _, err := money(t, 5, domain.AED).Allocate(w...); domain.CodeOf(err) != domain.CodeBadAmount {
			t.Errorf("weights %v: %v", w, err)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		amount := r.Int64N(2_000_000_000) - 1_000_000_000
		n := 1 + r.IntN(8)
		w := make([]int64, n)
		var total int64
		for i := range w {
			w[i] = r.Int64N(1_000_000)
			total += w[i]
		}
		if total == 0 {
			w[0] = 1
		}
		parts, err := money(t, amount, domain.KWD).Allocate(w...)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for i, p := range parts {
			sum += p.Amount()
			if w[i] == 0 && p.Amount() != 0 {
				t.Fatalf("zero weight got %v", p)
			}
		}
		if sum != amount {
			t.Fatalf("allocate %d by %v: parts %v sum to %d", amount, w, parts, sum)
		}
	}
}

func TestExtractVAT(t *testing.T) {
	for _, tc := range []struct {
		c          domain.Country
		cur        domain.Currency
		incl, want int64
	}{
		{domain.UAE, domain.AED, 10500, 500}, // AED 105.00 = 100 + 5 VAT
		{domain.SaudiArabia, domain.SAR, 11500, 1500},
		{domain.UAE, domain.AED, 1, 0},
		{domain.UAE, domain.AED, 21, 1}, // 1.0 → 1
		{domain.SaudiArabia, domain.SAR, 99999, 13043},
	} {
		vat, net, err := domain.ExtractVAT(money(t, tc.incl, tc.cur), tc.c)
		if err != nil || vat.Amount() != tc.want || vat.Amount()+net.Amount() != tc.incl {
			t.Errorf("%s %d: vat %v net %v %v; want vat %d", tc.c, tc.incl, vat, net, err, tc.want)
		}
	}
	_, _, err := domain.ExtractVAT(money(t, 100, domain.AED), "US")
	wantCode(t, err, domain.CodeUnknownCountry)
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		incl := money(t, r.Int64N(1e12), domain.SAR)
		vat, net, err := domain.ExtractVAT(incl, domain.SaudiArabia)
		if err != nil {
			t.Fatal(err)
		}
		// net × 15 % rounds back to the VAT within one halala.
		back, _ := net.MulRate(1500)
		if d := back.Amount() - vat.Amount(); d < -1 || d > 1 || vat.Amount()+net.Amount() != incl.Amount() {
			t.Fatalf("%v: vat %v net %v (net×15%% = %v)", incl, vat, net, back)
		}
	}
}

func TestMoneyJSON(t *testing.T) {
	b, err := json.Marshal(money(t, -1250, domain.SAR))
	if err != nil || string(b) != `{"amount":-1250,"currency":"SAR"}` {
		t.Fatalf("%s %v", b, err)
	}
	var m domain.Money
	if err := json.Unmarshal(b, &m); err != nil || m != money(t, -1250, domain.SAR) {
		t.Fatalf("%v %v", m, err)
	}
	for _, in := range []string{
		`{"amount":12.5,"currency":"AED"}`,
		`{"amount":1e3,"currency":"AED"}`,
		`{"amount":"12","currency":"AED"}`,
		`{"amount":12,"currency":"USD"}`,
		`{"amount":12}`,
		`{"amount":99999999999999999999,"currency":"AED"}`,
		`{"amount":1,"currency":"AED","extra":1}`,
	} {
		var m domain.Money
		if err := json.Unmarshal([]byte(in), &m); err == nil {
			t.Errorf("%s accepted as %v", in, m)
		}
	}
}

func TestErrorMatching(t *testing.T) {
	err := error(&domain.Error{Kind: domain.Conflict, Code: "wallet.insufficient_funds"})
	wrapped := errors.Join(errors.New("context"), err)
	if !errors.Is(wrapped, &domain.Error{Code: "wallet.insufficient_funds"}) {
		t.Fatal("code match")
	}
	if !errors.Is(wrapped, &domain.Error{Kind: domain.Conflict}) || errors.Is(wrapped, &domain.Error{Kind: domain.Invalid}) {
		t.Fatal("kind match")
	}
	if domain.KindOf(errors.New("boom")) != domain.Internal || domain.KindOf(wrapped) != domain.Conflict {
		t.Fatal("KindOf")
	}
}

func TestValidationCollectsEveryProblem(t *testing.T) {
	var v domain.Validation
	v.ID("id", "")
	v.ID("other", "has space")
	v.Text("name", string([]byte{0xff}), 10)
	v.Positive("quantity", 0)
	v.Money("price", money(t, 5, domain.SAR), domain.AED)
	v.PositiveMoney("fee", money(t, 0, domain.AED), domain.AED)
	v.ID("fine", "abc-123")
	err := v.Err()
	e, ok := errors.AsType[*domain.Error](err)
	if !ok || e.Kind != domain.Invalid || e.Code != domain.CodeInvalidCommand {
		t.Fatalf("%v", err)
	}
	want := []string{"id:required", "other:invalid", "name:invalid", "quantity:must_be_positive", "price:currency", "fee:must_be_positive"}
	if len(e.Problems) != len(want) {
		t.Fatalf("problems %v", e.Problems)
	}
	for i, p := range e.Problems {
		if p.Field+":"+p.Code != want[i] {
			t.Errorf("problem %d: %v, want %s", i, p, want[i])
		}
	}
	var empty domain.Validation
	if empty.Err() != nil {
		t.Fatal("no problems must be nil")
	}
}
