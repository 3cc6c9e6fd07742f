package carrierapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/carrierapi"
)

// call is one request a stub carrier received.
type call struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Body         []byte
}

// stub is a carrier's API in a test: it records every request and answers
// with the test's handler.
type stub struct {
	srv    *httptest.Server
	mu     sync.Mutex
	calls  []call
	handle func(w http.ResponseWriter, r *http.Request, body []byte)
}

func newStub(t testing.TB, handle func(w http.ResponseWriter, r *http.Request, body []byte)) *stub {
	t.Helper()
	s := &stub{handle: handle}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.calls = append(s.calls, call{r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone(), body})
		s.mu.Unlock()
		s.handle(w, r, body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// to counts the requests to a path and returns their bodies.
func (s *stub) to(method, path string) []call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []call
	for _, c := range s.calls {
		if c.Method == method && c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

// loseAnswer drops the connection after the carrier acted: the caller
// sees no answer at all, as when a network fails on the way back.
func loseAnswer(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// labelPDF is a carrier's label, as small as a PDF gets.
var labelPDF = []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")

// clock is the fixed time every booking here is made at.
var clock = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

func options(t *testing.T) (carrierapi.Options, blob.Store) {
	t.Helper()
	st, err := blob.NewFiles(t.TempDir(), blob.Links{Secret: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	return carrierapi.Options{Blobs: st, Now: func() time.Time { return clock },
		HTTP: &http.Client{Timeout: 5 * time.Second}}, st
}

func money(t *testing.T, minor int64) domain.Money {
	t.Helper()
	m, err := domain.New(minor, "AED")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// request is a parcel of perfume from a Dubai vendor to Abu Dhabi.
func request(t *testing.T, c shipment.Carrier) shipcmd.BookRequest {
	return shipcmd.BookRequest{ShipmentID: "s-1", OrderID: "o-1", SubOrderID: "o-1-v-1", VendorID: "v-1", Carrier: c,
		Parcel: shipcmd.Parcel{
			From: shipcmd.Party{Name: "Oud House", Company: "Oud House LLC", Phone: "+971500000001", Email: "ship@oudhouse.example",
				Line1: "Warehouse 4, Al Quoz 3", City: "Dubai", Country: "AE"},
			To: shipcmd.Party{Name: "Layla Haddad", Phone: "+971500000002", Email: "layla@example.com",
				Line1: "Villa 12, Street 5", Line2: "Al Mushrif", City: "Abu Dhabi", Country: "AE"},
			WeightGrams: 1500, Contents: "Perfume", Value: money(t, 450_00)}}
}

// sameJSON compares a request body with the documented shape pinned in the
// test, ignoring key order and spacing.
func sameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("request body is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("the test's JSON: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("request body\n%s\nwant\n%s", got, want)
	}
}

// wantError checks an error's kind and code, and that its message says
// what the carrier said.
func wantError(t *testing.T, err error, kind domain.Kind, code, says string) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != kind || de.Code != code {
		t.Fatalf("error %v, want %s %s", err, kind, code)
	}
	if !strings.Contains(err.Error(), says) {
		t.Fatalf("error %q does not say %q", err, says)
	}
}

// wantLabel checks that the booking's label is the carrier's PDF, stored
// under the vendor's labels.
func wantLabel(t *testing.T, st blob.Store, b shipcmd.Booking) {
	t.Helper()
	if !strings.HasPrefix(b.LabelKey, "labels/v-1/") || blob.Owner(b.LabelKey) != "v-1" {
		t.Fatalf("label key %q is not under labels/v-1/", b.LabelKey)
	}
	rc, info, err := st.Get(context.Background(), b.LabelKey)
	if err != nil {
		t.Fatalf("label blob: %v", err)
	}
	defer rc.Close()
	got, _ := io.ReadAll(rc)
	if info.ContentType != blob.PDF || !bytes.Equal(got, labelPDF) {
		t.Fatalf("label %+v holds %.40q", info, got)
	}
}

// slowUntilCancelled answers only when the caller gave up.
func slowUntilCancelled(r *http.Request) { <-r.Context().Done() }

// booked checks a booking answered the carrier's number and its label,
// and returns the one creation request the stub received at path.
func booked(t *testing.T, st blob.Store, s *stub, b shipcmd.Booking, err error, number, path string) call {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if b.TrackingNumber != number {
		t.Fatalf("tracking number %q, want %q", b.TrackingNumber, number)
	}
	wantLabel(t, st, b)
	calls := s.to("POST", path)
	if len(calls) != 1 {
		t.Fatalf("%d creations at %s", len(calls), path)
	}
	return calls[0]
}

// bookedTwice books where the first answer is lost (the stub must lose
// it): the first attempt is retryable, the retry books and stores the
// label, and, the carrier offering no look-up by reference, the stub saw
// two identical creations at path, the reference with them.
func bookedTwice(t *testing.T, st blob.Store, s *stub, book func() (shipcmd.Booking, error), title, path string) {
	t.Helper()
	_, err := book()
	wantError(t, err, domain.Unavailable, carrierapi.CodeUnavailable, title+" could not be reached")
	b, err := book()
	if err != nil {
		t.Fatal(err)
	}
	wantLabel(t, st, b)
	calls := s.to("POST", path)
	if len(calls) != 2 || !bytes.Equal(calls[0].Body, calls[1].Body) || !bytes.Contains(calls[1].Body, []byte(`"s-1"`)) {
		t.Fatalf("%d creations; the retry must repeat the first, reference and all", len(calls))
	}
}

// A carrier that does not answer in time is a lost answer: retryable.
func TestTimeoutIsRetryable(t *testing.T) {
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { <-r.Context().Done() })
	opts, _ := options(t)
	opts.HTTP = &http.Client{Timeout: 50 * time.Millisecond}
	for c, b := range map[shipment.Carrier]carrierapi.Booker{shipment.Aramex: newAramex(t, s, opts),
		shipment.DHL: newDHL(t, s, opts), shipment.SMSA: newSMSA(t, s, opts), shipment.Fetchr: newFetchr(t, s, opts)} {
		_, err := b.Book(context.Background(), request(t, c))
		wantError(t, err, domain.Unavailable, carrierapi.CodeUnavailable, "did not answer in time")
	}
}
