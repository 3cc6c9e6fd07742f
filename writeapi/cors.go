package writeapi

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
)

// CORS: browsers on the configured origins may call the write API with a
// bearer token (no cookies, so no credentials mode); any other origin gets
// no Access-Control-* header at all, and the browser refuses the answer.
const (
	corsMethods = "GET, POST"
	corsHeaders = "Authorization, Content-Type, Idempotency-Key, If-Match, X-Souq-Min-Position"
	corsExpose  = "X-Souq-Position, ETag, Idempotency-Replayed, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy, X-Request-Id"
	corsMaxAge  = "600"
)

// cors adds the CORS answer headers to requests from allowed origins.
func cors(origins []string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Add("Vary", "Origin")
			if o := r.Header.Get("Origin"); o != "" && slices.Contains(origins, o) {
				h.Set("Access-Control-Allow-Origin", o)
				h.Set("Access-Control-Expose-Headers", corsExpose)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// preflight answers OPTIONS on any path. An allowed origin asking for an
// allowed method gets the permissions; anything else gets a bare 204, which
// a browser reads as "no".
func preflight(origins []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Access-Control-Request-Method")
		h.Add("Vary", "Access-Control-Request-Headers")
		method := r.Header.Get("Access-Control-Request-Method")
		if h.Get("Access-Control-Allow-Origin") != "" && (method == http.MethodGet || method == http.MethodPost) && headersAllowed(r.Header.Get("Access-Control-Request-Headers")) {
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
		} else {
			h.Del("Access-Control-Allow-Origin")
			h.Del("Access-Control-Expose-Headers")
		}
		h.Set("Allow", "OPTIONS, "+corsMethods)
		w.WriteHeader(http.StatusNoContent)
	})
}

// headersAllowed checks a preflight's requested headers against corsHeaders.
func headersAllowed(list string) bool {
	allowed := strings.Split(strings.ToLower(corsHeaders), ", ")
	for _, name := range strings.Split(list, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "" && !slices.Contains(allowed, name) {
			return false
		}
	}
	return true
}

// edge installs the CORS and rate-limit middleware on every route, and the
// preflight route. CORS goes first, so a 429 is readable by the browser.
func (s *server) edge(e Edge) {
	if len(e.CORSOrigins) > 0 {
		s.api.Router().Use(cors(e.CORSOrigins))
		s.api.Router().Methods(http.MethodOptions).PathPrefix("/").Name("corsPreflight").Handler(preflight(e.CORSOrigins))
	}
	if e.Limiter != nil {
		if e.Logger == nil {
			e.Logger = slog.Default()
		}
		s.api.Router().Use(s.limit(e))
	}
}
