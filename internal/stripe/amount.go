package stripe

import (
	"strings"

	"github.com/souq-market/souq/domain"
)

// CodeAmountNotAccepted: a 3-decimal amount whose last digit is not 0.
const CodeAmountNotAccepted = "payment.amount_not_accepted_by_provider"

// minor is an amount as Stripe takes it: minor units and a lower-case ISO
// code.
func minor(m domain.Money) (int64, string, error) {
	var v domain.Validation
	v.PositiveMoney("amount", m, "")
	if err := v.Err(); err != nil {
		return 0, "", err
	}
	if d, _ := m.Currency().Decimals(); d == 3 && m.Amount()%10 != 0 {
		return 0, "", domain.Errorf(domain.Invalid, CodeAmountNotAccepted,
			"Stripe takes %s amounts in whole tens of the minor unit; %s is not", m.Currency(), m)
	}
	return m.Amount(), strings.ToLower(string(m.Currency())), nil
}

// money reads a Stripe amount back.
func money(amount int64, currency string) (domain.Money, error) {
	c, err := domain.ParseCurrency(strings.ToUpper(currency))
	if err != nil {
		return domain.Money{}, err
	}
	return domain.New(amount, c)
}
