package carrierapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/carrier"
)

// Error codes of the adapters' refusals and failures.
const (
	// CodeUnavailable: the carrier could not be reached, timed out, or
	// answered 429 or 5xx. Retryable: the same booking may pass later.
	CodeUnavailable = "carrier.unavailable"
	// CodeRefused: the carrier refused the booking; the message is its own.
	CodeRefused = "carrier.refused"
	// CodeBadAnswer: the carrier answered something souq cannot read (not
	// its documented shape, no label). It may have booked the parcel.
	CodeBadAnswer = "carrier.bad_answer"
	// CodeCredentials: the carrier refused souq's credentials (401, 403).
	CodeCredentials = "carrier.credentials"
	// CodeParcelRequired: the booking lacks what the carrier needs to know.
	CodeParcelRequired = "carrier.parcel_required"
	// CodeNotConfigured: no adapter books with the requested carrier.
	CodeNotConfigured = "carrier.not_configured"
)

// Options are what every adapter needs besides its carrier's address and
// credentials. Blobs is required.
type Options struct {
	Blobs blob.Store
	// HTTP is the client the adapter calls with; default one with a 30s
	// timeout. A timeout is a lost answer: Unavailable, retryable.
	HTTP *http.Client
	Now  func() time.Time
}

// maxAnswer bounds what is read of an answer: a base64 label of the blob
// store's 5 MB limit is under 7 MB.
const maxAnswer = 8 << 20

// client is what the four adapters share: one carrier's HTTP calls, the
// classification of their failures, and the label's storage.
type client struct {
	name  shipment.Carrier
	title string // the carrier as people write it, for messages
	http  *http.Client
	blobs blob.Store
	now   func() time.Time
}

func newClient(name shipment.Carrier, opts Options) (client, error) {
	if opts.Blobs == nil {
		return client{}, fmt.Errorf("carrierapi: %s needs a blob store for its labels", name)
	}
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	titles := map[shipment.Carrier]string{shipment.Fetchr: "Fetchr", shipment.Aramex: "Aramex", shipment.SMSA: "SMSA", shipment.DHL: "DHL"}
	return client{name: name, title: titles[name], http: opts.HTTP, blobs: opts.Blobs, now: opts.Now}, nil
}

// Name is the carrier the adapter books with.
func (c client) Name() shipment.Carrier { return c.name }

// answer is a carrier's HTTP answer that arrived whole.
type answer struct {
	status int
	body   []byte
}

// do sends a request and reads the answer. It fails only when no whole
// answer came: a network failure or a timeout, Unavailable.
func (c client) do(ctx context.Context, method, u string, body any, header http.Header) (answer, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{}, fmt.Errorf("%s: encode the request: %w", c.title, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return answer{}, fmt.Errorf("%s: %w", c.title, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, c.unavailable(err, "could not be reached")
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return answer{}, c.unavailable(err, "broke off its answer")
	}
	if len(b) > maxAnswer {
		return answer{}, c.badAnswer("an answer over %d bytes", maxAnswer)
	}
	return answer{status: resp.StatusCode, body: b}, nil
}

// check classifies a whole answer: 2xx passes; 429 and 5xx are Unavailable;
// 401 and 403 are refused credentials; any other status is the carrier's
// refusal, in the words message finds in the body.
func (c client) check(a answer, message func([]byte) string) error {
	switch {
	case a.status >= 200 && a.status < 300:
		return nil
	case a.status == http.StatusTooManyRequests || a.status >= 500:
		return c.unavailable(fmt.Errorf("HTTP %d: %s", a.status, snippet(a.body)), "is busy or failing")
	case a.status == http.StatusUnauthorized || a.status == http.StatusForbidden:
		return domain.Errorf(domain.Internal, CodeCredentials, "%s refused souq's credentials (HTTP %d): check the carrier's key", c.title, a.status)
	}
	msg := strings.TrimSpace(message(a.body))
	if msg == "" {
		msg = snippet(a.body)
	}
	return c.refused("%s (HTTP %d)", msg, a.status)
}

func (c client) unavailable(cause error, what string) error {
	if errors.Is(cause, context.DeadlineExceeded) || isTimeout(cause) {
		what = "did not answer in time"
	}
	return fmt.Errorf("%w: %w", domain.Errorf(domain.Unavailable, CodeUnavailable, "%s %s; retry", c.title, what), cause)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (c client) refused(format string, args ...any) error {
	return domain.Errorf(domain.Invalid, CodeRefused, "%s refused: %s", c.title, fmt.Sprintf(format, args...))
}

func (c client) badAnswer(format string, args ...any) error {
	return domain.Errorf(domain.Internal, CodeBadAnswer, "%s answered %s; it may have booked the parcel, look it up by the shipment ID",
		c.title, fmt.Sprintf(format, args...))
}

// decode reads a 2xx answer in the carrier's documented shape.
func (c client) decode(a answer, dst any) error {
	if err := json.Unmarshal(a.body, dst); err != nil {
		return c.badAnswer("what is not its documented JSON (%v): %s", err, snippet(a.body))
	}
	return nil
}

// storeLabel stores the label PDF under labels/<vendor>/, content-addressed
// as the sandbox's are, so a label fetched again lands on the same key.
func (c client) storeLabel(ctx context.Context, vendor domain.VendorID, pdf []byte) (string, error) {
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return "", c.badAnswer("a label that is not a PDF (%s)", snippet(pdf))
	}
	key, err := blob.PutContent(ctx, c.blobs, blob.Label, string(vendor), blob.PDF, pdf)
	if errors.Is(err, blob.ErrRefused) {
		return "", c.badAnswer("a label the blob store refuses: %v", err)
	}
	if err != nil {
		return "", fmt.Errorf("%s: store the label: %w", c.title, err)
	}
	return key, nil
}

// base64PDF decodes a label sent inline.
func (c client) base64PDF(s string) ([]byte, error) {
	pdf, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(pdf) == 0 {
		return nil, c.badAnswer("a label that is not base64 (%v)", err)
	}
	return pdf, nil
}

// fetchLabel downloads a label the carrier left at a URL. The URL comes
// from the carrier's answer, so it must be https (or a loopback host, for
// tests and local stubs): souq's credentials are not sent with it.
func (c client) fetchLabel(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || !(u.Scheme == "https" || u.Scheme == "http" && loopback(u.Hostname())) {
		return nil, c.badAnswer("a label URL souq will not fetch (%q)", raw)
	}
	a, err := c.do(ctx, http.MethodGet, u.String(), nil, http.Header{"Accept": {"application/pdf"}})
	if err != nil {
		return nil, err
	}
	if err := c.check(a, func([]byte) string { return "" }); err != nil {
		if domain.KindOf(err) == domain.Invalid { // the booking passed; its label did not come
			return nil, c.badAnswer("no label at %s (HTTP %d)", u.Redacted(), a.status)
		}
		return nil, err
	}
	return a.body, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// snippet shows the start of an answer in a message.
func snippet(b []byte) string {
	s := strings.ToValidUTF8(strings.TrimSpace(string(b)), "?")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return "(empty)"
	}
	return s
}

// track reads a tracking answer through the carrier's tables; an answer
// about a parcel not scanned yet is no events, not an error.
func (c client) track(body []byte) ([]carrier.Event, error) {
	reader, ok := carrier.Lookup(string(c.name))
	if !ok {
		return nil, fmt.Errorf("carrierapi: no tables for %s", c.name)
	}
	events, err := reader.ParseTracking(body)
	switch {
	case errors.Is(err, carrier.ErrNoEvents):
		return nil, nil
	case err != nil:
		return nil, c.badAnswer("a tracking answer souq cannot read: %v", err)
	}
	return events, nil
}

// parseBase reads an adapter's base URL: https, or http on a loopback
// host. Its query holds the account's non-secret parameters.
func parseBase(name shipment.Carrier, raw string) (*url.URL, url.Values, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || !(u.Scheme == "https" || u.Scheme == "http" && loopback(u.Hostname())) {
		return nil, nil, fmt.Errorf("carrierapi: %s URL %q must be https (http only on a loopback host)", name, raw)
	}
	q := u.Query()
	u.RawQuery, u.Fragment = "", ""
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, q, nil
}

// endpoint joins a path to the base URL.
func endpoint(base *url.URL, path string, query url.Values) string {
	u := *base
	u.Path = base.Path + path
	u.RawQuery = query.Encode()
	return u.String()
}

// Booker is one carrier's adapter: it books parcels (the port of
// commands/shipment) and polls the carrier's tracking API.
type Booker interface {
	shipcmd.Carrier
	Track(ctx context.Context, trackingNumber string) ([]carrier.Event, error)
	Name() shipment.Carrier
}
