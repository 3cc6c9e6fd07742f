package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/domain"
)

// logBuffer collects JSON log lines safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

var errSentinel = errors.New("store says no")

func newTestAPI(t *testing.T, checks ...Check) (*API, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	a, err := New(Options{
		Name: "test", Title: "test api", Version: "v0",
		Logger:       slog.New(slog.NewJSONHandler(logs, nil)),
		Registry:     prometheus.NewRegistry(),
		Checks:       checks,
		ReadyTimeout: 100 * time.Millisecond,
		Classifiers: []Classifier{func(err error) *Error {
			if errors.Is(err, errSentinel) {
				return &Error{Kind: KindConflict, Code: "test.conflict", Detail: "somebody else was first"}
			}
			return nil
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a, logs
}

func do(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func decodeProblem(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != ContentType {
		t.Fatalf("content type %q, want %q; body %s", ct, ContentType, rec.Body)
	}
	var p map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	for _, member := range []string{"type", "title", "status", "code", "error_id"} {
		if _, ok := p[member]; !ok {
			t.Fatalf("problem lacks %q: %s", member, rec.Body)
		}
	}
	if int(p["status"].(float64)) != rec.Code {
		t.Fatalf("problem status %v differs from HTTP status %d", p["status"], rec.Code)
	}
	return p
}

func TestKindStatusTable(t *testing.T) {
	want := map[Kind]int{
		KindInvalid: 400, KindUnprocessable: 422, KindUnauthenticated: 401, KindForbidden: 403,
		KindNotFound: 404, KindMethodNotAllowed: 405, KindConflict: 409, KindPrecondition: 412,
		KindRateLimited: 429, KindTooLarge: 413, KindUnsupportedMedia: 415, KindUnavailable: 503, KindInternal: 500, Kind("made_up"): 500,
	}
	for kind, status := range want {
		if got := kind.Status(); got != status {
			t.Errorf("%s: status %d, want %d", kind, got, status)
		}
	}
}

func TestRendererShapesAndLogs(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		code       string
		detail     string // substring expected in detail
		leakedText string // must not appear in the body
	}{
		{"typed error", &Error{Kind: KindUnprocessable, Code: "order.empty", Detail: "an order needs a line"}, 422, "order.empty", "needs a line", ""},
		{"wrapped typed error", fmt.Errorf("placing: %w", &Error{Kind: KindForbidden, Code: "vendor.not_owner"}), 403, "vendor.not_owner", "", ""},
		{"classified", fmt.Errorf("append: %w", errSentinel), 409, "test.conflict", "somebody else", "store says no"},
		{"unknown is internal and hidden", errors.New("dial tcp 10.0.0.7:5432: secret internals"), 500, "internal", "quote error_id", "secret internals"},
		{"unauthenticated", &Error{Kind: KindUnauthenticated, Code: "auth.token_missing"}, 401, "auth.token_missing", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, logs := newTestAPI(t)
			a.Handle(Operation{Method: "POST", Path: "/boom", ID: "boom"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				a.Renderer().Error(w, r, tt.err)
			}))
			rec := do(t, a.Handler(), "POST", "/boom")
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			p := decodeProblem(t, rec)
			if p["code"] != tt.code || p["type"] != ProblemType(tt.code) {
				t.Fatalf("code %v type %v, want %s", p["code"], p["type"], tt.code)
			}
			if !strings.Contains(fmt.Sprint(p["detail"]), tt.detail) {
				t.Fatalf("detail %q lacks %q", p["detail"], tt.detail)
			}
			if tt.leakedText != "" && strings.Contains(rec.Body.String(), tt.leakedText) {
				t.Fatalf("body leaks %q: %s", tt.leakedText, rec.Body)
			}
			if tt.status == 401 && rec.Header().Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
			id := p["error_id"].(string)
			if id == "" || rec.Header().Get("X-Request-Id") != id {
				t.Fatalf("error_id %q differs from X-Request-Id %q", id, rec.Header().Get("X-Request-Id"))
			}
			lines := logs.lines(t)
			if len(lines) != 1 {
				t.Fatalf("want one log line per request, got %d: %v", len(lines), lines)
			}
			l := lines[0]
			if l["error_id"] != id || l["code"] != tt.code || int(l["status"].(float64)) != tt.status || l["route"] != "/boom" {
				t.Fatalf("log line does not carry the error: %v", l)
			}
			if tt.leakedText != "" && !strings.Contains(fmt.Sprint(l["error"]), tt.leakedText) {
				t.Fatalf("the hidden cause must be logged, got %v", l)
			}
		})
	}
}

func TestNotFoundAndMethodNotAllowedAreProblems(t *testing.T) {
	a, _ := newTestAPI(t)
	h := a.Handler()
	if rec := do(t, h, "GET", "/nope"); rec.Code != 404 || decodeProblem(t, rec)["code"] != "http.not_found" {
		t.Fatalf("404: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, h, "DELETE", "/healthz"); rec.Code != 405 || decodeProblem(t, rec)["code"] != "http.method_not_allowed" {
		t.Fatalf("405: %d %s", rec.Code, rec.Body)
	}
}

func TestPanicBecomesLoggedProblem(t *testing.T) {
	a, logs := newTestAPI(t)
	a.Handle(Operation{Method: "GET", Path: "/panic", ID: "panic"}, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("nil map somewhere")
	}))
	rec := do(t, a.Handler(), "GET", "/panic")
	if rec.Code != 500 {
		t.Fatalf("status %d", rec.Code)
	}
	p := decodeProblem(t, rec)
	if strings.Contains(rec.Body.String(), "nil map") {
		t.Fatal("panic value leaked to the client")
	}
	var sawPanic, sawRequest bool
	for _, l := range logs.lines(t) {
		switch l["msg"] {
		case "panic":
			sawPanic = l["request_id"] == p["error_id"] && strings.Contains(fmt.Sprint(l["stack"]), "httpx")
		case "request":
			sawRequest = l["error_id"] == p["error_id"] && int(l["status"].(float64)) == 500
		}
	}
	if !sawPanic || !sawRequest {
		t.Fatalf("panic not logged with its stack and error id: %v", logs.lines(t))
	}
}

func TestPanicAfterWriteAbortsConnection(t *testing.T) {
	a, _ := newTestAPI(t)
	a.Handle(Operation{Method: "GET", Path: "/half", ID: "half"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		_, _ = w.Write([]byte("partial"))
		http.NewResponseController(w).Flush()
		panic("midway")
	}))
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	srv.Config.ErrorLog = slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)
	resp, err := http.Get(srv.URL + "/half")
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Fatal("a response broken by a panic must not read as complete")
	}
}

func TestSecurityHeaders(t *testing.T) {
	a, _ := newTestAPI(t)
	rec := do(t, a.Handler(), "GET", "/healthz")
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
	} {
		if got := rec.Header().Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "alive") {
		t.Fatalf("healthz: %d %s", rec.Code, rec.Body)
	}
}

func TestMetricsByRouteTemplate(t *testing.T) {
	a, _ := newTestAPI(t)
	a.Handle(Operation{Method: "GET", Path: "/v1/orders/{id}", ID: "order"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(204)
	}))
	h := a.Handler()
	for _, id := range []string{"a", "b", "c"} {
		do(t, h, "GET", "/v1/orders/"+id)
	}
	do(t, h, "GET", "/random/1")
	do(t, h, "GET", "/random/2")
	do(t, h, "BREW", "/healthz")
	body := do(t, h, "GET", "/metrics").Body.String()
	for _, want := range []string{
		`souq_http_requests_total{api="test",method="GET",route="/v1/orders/{id}",status="204"} 3`,
		`souq_http_requests_total{api="test",method="GET",route="unmatched",status="404"} 2`,
		`souq_http_requests_total{api="test",method="other",route="unmatched",status="405"} 1`,
		`souq_http_request_duration_seconds_count{api="test",method="GET",route="/v1/orders/{id}"} 3`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, `route="/v1/orders/a"`) {
		t.Error("a raw path became a label: unbounded cardinality")
	}
}

func TestRegistriesArePerServer(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := Options{Name: "x", Logger: slog.New(slog.DiscardHandler), Registry: reg}
	if _, err := New(opts); err != nil {
		t.Fatal(err)
	}
	if _, err := New(opts); err == nil {
		t.Fatal("two servers on one registry must be refused, not silently merged")
	}
	opts.Registry = prometheus.NewRegistry()
	if _, err := New(opts); err != nil {
		t.Fatalf("a second server with its own registry: %v", err)
	}
}

func TestReadiness(t *testing.T) {
	ok := Check{Name: "store", Fn: func(context.Context) error { return nil }}
	a, _ := newTestAPI(t, ok)
	rec := do(t, a.Handler(), "GET", "/readyz")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"store":"ok"`) {
		t.Fatalf("ready: %d %s", rec.Code, rec.Body)
	}

	failing := Check{Name: "cache", Fn: func(context.Context) error { return errors.New("connection refused") }}
	stuck := Check{Name: "search", Fn: func(context.Context) error { select {} }} // ignores its context
	a, _ = newTestAPI(t, ok, failing, stuck)
	start := time.Now()
	rec = do(t, a.Handler(), "GET", "/readyz")
	if took := time.Since(start); took > 10*time.Second { // bounded, with margin for loaded machines
		t.Fatalf("a stuck check held /readyz for %s", took)
	}
	if rec.Code != 503 {
		t.Fatalf("status %d, want 503", rec.Code)
	}
	p := decodeProblem(t, rec)
	checks, _ := p["checks"].(map[string]any)
	if checks["store"] != "ok" || !strings.Contains(fmt.Sprint(checks["cache"]), "refused") ||
		!strings.Contains(fmt.Sprint(checks["search"]), "timeout") {
		t.Fatalf("checks not listed: %s", rec.Body)
	}
	if d := fmt.Sprint(p["detail"]); !strings.Contains(d, "cache") || !strings.Contains(d, "search") || strings.Contains(d, "store") {
		t.Fatalf("detail should list exactly the failures: %q", d)
	}
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	a, _ := newTestAPI(t)
	a.Handle(Operation{Method: "POST", Path: "/v1/orders/{id:[a-z0-9-]+}/cancel", ID: "cancelOrder", Summary: "Cancel."}, http.NotFoundHandler())
	rec := do(t, a.Handler(), "GET", "/openapi.json")
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi version %v", doc["openapi"])
	}
	if m := Mismatches(a.Router(), doc); len(m) != 0 {
		t.Fatalf("mismatches: %v", m)
	}
	op := doc["paths"].(map[string]any)["/v1/orders/{id}/cancel"].(map[string]any)["post"].(map[string]any)
	if op["parameters"].([]any)[0].(map[string]any)["name"] != "id" {
		t.Fatalf("path parameter not documented: %v", op)
	}

	// The check can fail: a route registered around Handle, and a document
	// entry nothing serves.
	a.Router().HandleFunc("/sneaky", func(http.ResponseWriter, *http.Request) {}).Methods("GET")
	doc["paths"].(map[string]any)["/ghost"] = map[string]any{"get": map[string]any{}}
	m := Mismatches(a.Router(), doc)
	if len(m) != 2 || !strings.Contains(m[0], "/ghost") || !strings.Contains(m[1], "/sneaky") {
		t.Fatalf("want both mismatches reported, got %v", m)
	}
}

func TestDomainErrors(t *testing.T) {
	tests := []struct {
		kind   domain.Kind
		status int
	}{
		{domain.Invalid, 422}, {domain.NotFound, 404}, {domain.Conflict, 409}, {domain.Forbidden, 403},
		{domain.Unauthenticated, 401}, {domain.Precondition, 412}, {domain.RateLimited, 429},
		{domain.Unavailable, 503}, {domain.Internal, 500}, {domain.Kind(99), 500},
	}
	for _, tt := range tests {
		err := fmt.Errorf("reserve: %w", &domain.Error{Kind: tt.kind, Code: "inventory.insufficient_stock", Message: "only 2 left",
			Problems: []domain.Problem{{Field: "quantity", Code: "too_many", Message: "at most 2"}}})
		e := NewRenderer(Domain).Classify(err)
		if e.Kind.Status() != tt.status || e.Code != "inventory.insufficient_stock" {
			t.Errorf("%v: got %s %q, want status %d", tt.kind, e.Kind, e.Code, tt.status)
		}
		if tt.status == 500 && e.Detail != "" {
			t.Errorf("%v: internal message must stay in the log, got detail %q", tt.kind, e.Detail)
		}
		if tt.status == 422 && e.Extensions["problems"] == nil {
			t.Errorf("field problems not passed on")
		}
	}
	if NewRenderer(Domain).Classify(errors.New("x")).Kind != KindInternal {
		t.Error("a plain error must be internal")
	}
}
