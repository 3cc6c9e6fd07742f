package domain

import (
	"fmt"
	"unicode/utf8"
)

// Problem codes the validation helpers use.
const (
	ProblemRequired = "required"
	ProblemInvalid  = "invalid"
	ProblemTooLong  = "too_long"
	ProblemPositive = "must_be_positive"
	ProblemNegative = "must_not_be_negative"
	ProblemRange    = "out_of_range"
	ProblemCurrency = "currency"
)

// CodeInvalidCommand is the code of an Invalid error listing field problems.
const CodeInvalidCommand = "command.invalid"

// Validation collects every problem of a command, so a client learns all
// of them at once instead of one per round trip. The zero value is ready.
type Validation struct {
	problems []Problem
}

// Add records a problem.
func (v *Validation) Add(field, code, format string, args ...any) {
	v.problems = append(v.problems, Problem{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Check records a problem unless ok, and returns ok.
func (v *Validation) Check(ok bool, field, code, format string, args ...any) bool {
	if !ok {
		v.Add(field, code, format, args...)
	}
	return ok
}

// ID requires a usable identifier (see ValidID).
func (v *Validation) ID(field, id string) bool {
	if id == "" {
		v.Add(field, ProblemRequired, "is required")
		return false
	}
	return v.Check(ValidID(id), field, ProblemInvalid, "is not a valid identifier")
}

// Text requires a non-empty string of valid UTF-8 of at most max bytes.
func (v *Validation) Text(field, s string, max int) bool {
	switch {
	case s == "":
		v.Add(field, ProblemRequired, "is required")
	case !utf8.ValidString(s):
		v.Add(field, ProblemInvalid, "is not valid UTF-8")
	case len(s) > max:
		v.Add(field, ProblemTooLong, "is longer than %d bytes", max)
	default:
		return true
	}
	return false
}

// OptionalText accepts "" or what Text accepts.
func (v *Validation) OptionalText(field, s string, max int) bool {
	return s == "" || v.Text(field, s, max)
}

// Positive requires n > 0.
func (v *Validation) Positive(field string, n int64) bool {
	return v.Check(n > 0, field, ProblemPositive, "must be greater than zero")
}

// NotNegative requires n ≥ 0.
func (v *Validation) NotNegative(field string, n int64) bool {
	return v.Check(n >= 0, field, ProblemNegative, "must not be negative")
}

// Money requires a valid amount, not negative, in currency c ("" accepts any
// known currency).
func (v *Validation) Money(field string, m Money, c Currency) bool {
	switch {
	case !m.Valid():
		v.Add(field, ProblemRequired, "needs an amount and a known currency")
	case c != "" && m.Currency() != c:
		v.Add(field, ProblemCurrency, "must be in %s, not %s", c, m.Currency())
	case m.IsNegative():
		v.Add(field, ProblemNegative, "must not be negative")
	default:
		return true
	}
	return false
}

// PositiveMoney is Money and greater than zero.
func (v *Validation) PositiveMoney(field string, m Money, c Currency) bool {
	return v.Money(field, m, c) && v.Check(m.IsPositive(), field, ProblemPositive, "must be greater than zero")
}

// Problems lists what was found so far.
func (v *Validation) Problems() []Problem { return v.problems }

// Err is nil when nothing was found, else an Invalid *Error with the code
// "command.invalid" listing every problem.
func (v *Validation) Err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Code: CodeInvalidCommand, Message: "the command has invalid fields", Problems: v.problems}
}
