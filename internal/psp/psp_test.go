package psp

import (
	"testing"

	"github.com/souq-market/souq/domain"
)

func TestAmounts(t *testing.T) {
	for _, tc := range []struct {
		in, cur, want string
	}{
		{"12.3", "SAR", "SAR 12.30"}, {"12.30", "aed", "AED 12.30"}, {"7", "KWD", "KWD 7.000"}, {"0.005", "BHD", "BHD 0.005"},
		{"12.345", "AED", ""}, {"0", "AED", ""}, {"-1", "AED", ""}, {"1e3", "AED", ""}, {"1", "USD", ""}, {"", "AED", ""},
	} {
		m, err := Amount(tc.in, tc.cur)
		if got := m.String(); (tc.want == "") != (err != nil) || (err == nil && got != tc.want) {
			t.Errorf("%q %s: %s %v, want %q", tc.in, tc.cur, got, err, tc.want)
		}
	}
	omr, _ := domain.New(1500, domain.OMR)
	if s, err := Decimal(omr); s != "1.500" || err != nil {
		t.Errorf("OMR 1.500 as %q %v", s, err)
	}
	zero, _ := domain.New(0, domain.AED)
	if _, err := Decimal(zero); domain.KindOf(err) != domain.Invalid {
		t.Errorf("zero: %v", err)
	}
}
