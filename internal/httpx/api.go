package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is one readiness check: a dependency that must answer for the
// server to take traffic.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Options are what an API server is built from.
type Options struct {
	Name    string // "write" or "read": the api label of metrics
	Title   string // OpenAPI title
	Version string // OpenAPI info.version: the build's version
	Logger  *slog.Logger
	// Registry is this server's own metrics registry, served at /metrics.
	Registry     *prometheus.Registry
	Checks       []Check
	ReadyTimeout time.Duration // per check; default 2s
	Classifiers  []Classifier
}

// API is one HTTP server's router with the shared endpoints and middleware.
// Register operations with Handle; serve Handler.
type API struct {
	opts     Options
	logger   *slog.Logger
	router   *mux.Router
	renderer *Renderer
	metrics  *metrics
	mu       sync.Mutex
	ops      []Operation
}

// New builds an API with /healthz, /readyz, /metrics and /openapi.json.
func New(opts Options) (*API, error) {
	if opts.Name == "" || opts.Logger == nil || opts.Registry == nil {
		return nil, errors.New("httpx: Options need a Name, a Logger and a Registry")
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 2 * time.Second
	}
	m, err := newMetrics(opts.Registry, opts.Name)
	if err != nil {
		return nil, err
	}
	a := &API{
		opts: opts, logger: opts.Logger.With(slog.String("api", opts.Name)),
		router: mux.NewRouter(), renderer: NewRenderer(opts.Classifiers...), metrics: m,
	}
	a.router.Use(routeName)
	a.router.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.renderer.Error(w, r, &Error{Kind: KindNotFound, Code: "http.not_found", Detail: "no route for " + r.Method + " " + r.URL.Path})
	})
	a.router.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.renderer.Error(w, r, &Error{Kind: KindMethodNotAllowed, Code: "http.method_not_allowed", Detail: r.Method + " is not allowed on " + r.URL.Path})
	})

	a.Handle(Operation{Method: http.MethodGet, Path: "/healthz", ID: "healthz", Summary: "Liveness: the process is up.", Tag: "operations"},
		http.HandlerFunc(a.healthz))
	a.Handle(Operation{Method: http.MethodGet, Path: "/readyz", ID: "readyz", Summary: "Readiness: every dependency answered within its timeout.", Tag: "operations",
		Errors: []int{http.StatusServiceUnavailable}}, http.HandlerFunc(a.readyz))
	a.Handle(Operation{Method: http.MethodGet, Path: "/metrics", ID: "metrics", Summary: "Prometheus metrics of this server.", Tag: "operations",
		ContentType: "text/plain; version=0.0.4"}, promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(a.logger.Handler(), slog.LevelError)}))
	a.Handle(Operation{Method: http.MethodGet, Path: "/openapi.json", ID: "openapi", Summary: "This document: every route of this server.", Tag: "operations"},
		http.HandlerFunc(a.openapi))
	return a, nil
}

// Router is the mux router, for walking routes; register routes with Handle
// so they are documented.
func (a *API) Router() *mux.Router { return a.router }

// Renderer writes this API's error responses.
func (a *API) Renderer() *Renderer { return a.renderer }

// Handler is the router behind the shared middleware: logging, metrics and
// request ID outermost, then security headers, then panic recovery.
func (a *API) Handler() http.Handler {
	return a.observe(secureHeaders(a.recoverPanics(a.router)))
}

// Handle registers an operation and its handler, and documents it.
func (a *API) Handle(op Operation, h http.Handler) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if op.ID == "" || op.Method == "" || !strings.HasPrefix(op.Path, "/") {
		panic(fmt.Sprintf("httpx: operation %+v needs an ID, a method and a path", op)) // a programming error at wiring time
	}
	if slices.ContainsFunc(a.ops, func(o Operation) bool { return o.ID == op.ID }) {
		panic("httpx: duplicate operation id " + op.ID)
	}
	a.ops = append(a.ops, op)
	a.router.Handle(op.Path, h).Methods(op.Method).Name(op.ID)
}

func (a *API) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "alive"})
}

// readyz runs every check at once, each bounded by ReadyTimeout, and lists
// each failure.
func (a *API) readyz(w http.ResponseWriter, r *http.Request) {
	results := make(map[string]string, len(a.opts.Checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range a.opts.Checks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(r.Context(), a.opts.ReadyTimeout)
			defer cancel()
			err := runCheck(ctx, c)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				results[c.Name] = err.Error()
			} else {
				results[c.Name] = "ok"
			}
		})
	}
	wg.Wait()
	var failed []string
	for _, c := range a.opts.Checks {
		if results[c.Name] != "ok" {
			failed = append(failed, c.Name+": "+results[c.Name])
		}
	}
	if len(failed) > 0 {
		a.renderer.Error(w, r, &Error{
			Kind: KindUnavailable, Code: "readiness.failed",
			Detail:     strings.Join(failed, "; "),
			Extensions: map[string]any{"checks": results},
		})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "checks": results})
}

// runCheck returns when the check does or when ctx ends, whichever is first,
// so a check that ignores its context cannot hang /readyz.
func runCheck(ctx context.Context, c Check) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- fmt.Errorf("panic: %v", v)
			}
		}()
		done <- c.Fn(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("no answer within the timeout: %w", ctx.Err())
	}
}

func (a *API) openapi(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.Document())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
