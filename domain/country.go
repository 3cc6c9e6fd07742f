package domain

// Country is an ISO 3166-1 alpha-2 code of a market souq sells in.
type Country string

// The markets.
const (
	UAE         Country = "AE"
	SaudiArabia Country = "SA"
)

// CodeUnknownCountry is refused by every country lookup.
const CodeUnknownCountry = "country.unknown"

// Valid reports whether souq sells in c.
func (c Country) Valid() bool { return c == UAE || c == SaudiArabia }

// VATRate is the standard VAT rate: 5 % in the UAE, 15 % in Saudi Arabia.
func (c Country) VATRate() (BasisPoints, error) {
	switch c {
	case UAE:
		return 500, nil
	case SaudiArabia:
		return 1500, nil
	}
	return 0, Errorf(Invalid, CodeUnknownCountry, "souq does not sell in %q", c)
}

// Currency is the local currency prices are shown in.
func (c Country) Currency() (Currency, error) {
	switch c {
	case UAE:
		return AED, nil
	case SaudiArabia:
		return SAR, nil
	}
	return "", Errorf(Invalid, CodeUnknownCountry, "souq does not sell in %q", c)
}

// ExtractVAT splits a tax-inclusive price into its VAT and net parts, so that
// net + vat = inclusive exactly. VAT is inclusive × rate / (1 + rate),
// rounded half away from zero; the net part takes whatever is left.
func ExtractVAT(inclusive Money, c Country) (vat, net Money, err error) {
	rate, err := c.VATRate()
	if err != nil {
		return Money{}, Money{}, err
	}
	if vat, err = inclusive.mulDiv(int64(rate), 10000+int64(rate)); err != nil {
		return Money{}, Money{}, err
	}
	if net, err = inclusive.Sub(vat); err != nil {
		return Money{}, Money{}, err
	}
	return vat, net, nil
}
