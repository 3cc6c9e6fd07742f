package httpx

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
)

// state follows one request through the middleware: its ID, the route
// template once mux has matched, and the error the renderer wrote, so the
// single log line of the request can carry all of them.
type state struct {
	id    string
	route string
	code  string
	err   error
}

type stateKey struct{}

func stateOf(ctx context.Context) *state {
	st, _ := ctx.Value(stateKey{}).(*state)
	return st
}

// RequestID returns the ID of the request being served ("" outside the
// middleware). It is the error_id of any problem the request answers with.
func RequestID(ctx context.Context) string {
	if st := stateOf(ctx); st != nil {
		return st.id
	}
	return ""
}

func newID() string { return rand.Text() } // 26 base32 characters, 130 random bits

// recorder remembers the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flush, deadlines).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush keeps streaming handlers working behind the recorder.
func (r *recorder) Flush() {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	_ = http.NewResponseController(r.ResponseWriter).Flush()
}

// metrics of one API server, registered in its own registry.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, api string) (*metrics, error) {
	labels := prometheus.Labels{"api": api}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "souq_http_requests_total", Help: "HTTP requests by route template, method and status.", ConstLabels: labels,
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "souq_http_request_duration_seconds", Help: "HTTP request duration by route template and method.", ConstLabels: labels,
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "souq_http_requests_in_flight", Help: "HTTP requests being served.", ConstLabels: labels,
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.inFlight} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("httpx: register metrics of the %s api: %w", api, err)
		}
	}
	return m, nil
}

// methodLabel bounds the label's values: any method a client invents is "other".
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// observe is the outermost middleware: it gives the request its ID, then
// logs one line and records metrics when the response is done.
func (a *API) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := &state{id: newID(), route: "unmatched"}
		rec := &recorder{ResponseWriter: w}
		rec.Header().Set("X-Request-Id", st.id)
		a.metrics.inFlight.Inc()
		defer func() {
			a.metrics.inFlight.Dec()
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			method := methodLabel(r.Method)
			a.metrics.requests.WithLabelValues(st.route, method, strconv.Itoa(status)).Inc()
			a.metrics.duration.WithLabelValues(st.route, method).Observe(elapsed.Seconds())
			level := slog.LevelInfo
			switch {
			case status >= 500:
				level = slog.LevelError
			case status >= 400:
				level = slog.LevelWarn
			}
			attrs := []slog.Attr{
				slog.String("request_id", st.id), slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.String("route", st.route),
				slog.Int("status", status), slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", elapsed), slog.String("remote", r.RemoteAddr),
			}
			attrs = append(attrs, errorAttrs(st)...)
			a.logger.LogAttrs(r.Context(), level, "request", attrs...)
		}()
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
	})
}

// routeName is a mux middleware: mux runs it only after a match, so it is
// where the route template becomes known.
func routeName(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st := stateOf(r.Context()); st != nil {
			if route := mux.CurrentRoute(r); route != nil {
				if tmpl, err := route.GetPathTemplate(); err == nil {
					st.route = tmpl
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic into a logged 500 problem. A panic after the
// response has started cannot become a problem; the connection is aborted
// instead, so the client does not take a half response for a whole one.
func (a *API) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			a.logger.ErrorContext(r.Context(), "panic", slog.String("request_id", RequestID(r.Context())),
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			if rec, ok := w.(*recorder); ok && rec.status != 0 {
				panic(http.ErrAbortHandler)
			}
			a.renderer.Error(w, r, &Error{Kind: KindInternal, Code: "internal.panic", Err: fmt.Errorf("panic: %v", v)})
		}()
		next.ServeHTTP(w, r)
	})
}

// secureHeaders sets headers that cost nothing for a JSON API and close
// whole classes of browser attacks should a response ever be rendered.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
