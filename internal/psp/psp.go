package psp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/souq-market/souq/domain"
)

// Codes of the outcomes the gateways decide; the same codes as Stripe's, so
// callers treat every provider alike.
const (
	CodeDeclined    = "payment.declined"
	CodeUnavailable = "payment.provider_unavailable"
	CodeRefused     = "payment.provider_refused"
)

// Kind is the payment fact a provider notification reports.
type Kind string

const (
	Authorize Kind = "authorize"
	Capture   Kind = "capture"
	Fail      Kind = "fail"
	Cancel    Kind = "cancel"
	Refund    Kind = "refund"
)

// Action is one payment command a verified notification maps to.
type Action struct {
	Kind Kind
	// Ref is the provider reference souq recorded on the payment.
	Ref string
	// Key names the fact for every delivery of every notification that
	// reports it, so redeliveries record it once.
	Key      string
	Amount   domain.Money
	RefundID string // Refund: souq's refund ID when souq asked, else the provider's
	Code     string // Fail: the provider's code, usable as a domain code
	Reason   string
}

// Amount reads a provider's decimal amount ("12.5", "12.50") in currency
// code c; it must be positive.
func Amount(s, c string) (domain.Money, error) {
	cur, err := domain.ParseCurrency(strings.ToUpper(strings.TrimSpace(c)))
	if err != nil {
		return domain.Money{}, err
	}
	m, err := domain.ParseAmount(strings.TrimSpace(s), cur)
	if err != nil {
		return domain.Money{}, err
	}
	if !m.IsPositive() {
		return domain.Money{}, domain.Errorf(domain.Invalid, domain.CodeBadAmount, "amount %q is not positive", s)
	}
	return m, nil
}

// Decimal is an amount as the providers take it, checked positive first.
func Decimal(m domain.Money) (string, error) {
	var v domain.Validation
	v.PositiveMoney("amount", m, "")
	if err := v.Err(); err != nil {
		return "", err
	}
	return m.Decimal(), nil
}

// Endpoint fills a gateway's defaults: the provider's own URL (no trailing
// slash) and a client that gives up after 30 s.
func Endpoint(url, def string, client *http.Client) (string, *http.Client) {
	if url == "" {
		url = def
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return strings.TrimRight(url, "/"), client
}

// MaxAnswer bounds a provider's answer; theirs are a few kilobytes.
const MaxAnswer = 1 << 20

// Post sends body to url and returns the status and the answer. A transport
// failure is retryable (Unavailable); so is a 429 or a 5xx, returned as an
// error with the answer still readable.
func Post(ctx context.Context, client *http.Client, provider, url, contentType string, body []byte, header http.Header) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", provider, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, Unavailable(provider, "could not be reached", err)
	}
	defer func() { _ = resp.Body.Close() }()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer))
	if err != nil {
		return 0, nil, Unavailable(provider, "broke off its answer", err)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return resp.StatusCode, answer, Unavailable(provider, fmt.Sprintf("answered %d", resp.StatusCode), nil)
	}
	return resp.StatusCode, answer, nil
}

// Unavailable is a failure the same request may get past later.
func Unavailable(provider, what string, cause error) error {
	de := domain.Errorf(domain.Unavailable, CodeUnavailable, "%s %s; retry", provider, what)
	if cause == nil {
		return fmt.Errorf("%s: %w", strings.ToLower(provider), de)
	}
	return fmt.Errorf("%s: %w: %w", strings.ToLower(provider), de, cause)
}

// Refused is the provider saying no to a request (not to a card).
func Refused(provider, format string, args ...any) error {
	return fmt.Errorf("%s: %w", strings.ToLower(provider), domain.Errorf(domain.Conflict, CodeRefused, "%s refused: %s", provider, fmt.Sprintf(format, args...)))
}

// Declined is the card's issuer saying no: a domain outcome, not a retry.
func Declined(provider, code, message string) error {
	return fmt.Errorf("%s: %w", strings.ToLower(provider), domain.Errorf(domain.Invalid, CodeDeclined, "the card was declined: %s (%s)", message, code))
}

// Retryable reports whether err is a failure that the same request may get
// past.
func Retryable(err error) bool { return domain.KindOf(err) == domain.Unavailable }

// Slug keeps a provider's code usable as a domain code (an ID).
func Slug(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, s)
	return Truncate(s, 100)
}

// Truncate cuts s to at most n bytes on a rune boundary.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}

// FirstOf is the first of s that is not empty.
func FirstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
