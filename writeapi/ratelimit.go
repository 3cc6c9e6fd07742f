package writeapi

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/internal/ratelimit"
)

// CodeRateLimited is the refusal of a request over the budget.
const CodeRateLimited = "request.rate_limited"

// Edge is what stands in front of every route: the rate limit and CORS.
type Edge struct {
	// Limiter counts requests: per user when the bearer token verifies,
	// per client IP otherwise. nil: no limit.
	Limiter ratelimit.Limiter
	// Policy is the Limiter's budget, for the RateLimit-Policy header.
	Policy ratelimit.Policy
	// TrustedProxies are the addresses whose X-Forwarded-For is believed;
	// from anyone else the header is ignored, so a client cannot pick the
	// IP it is counted as.
	TrustedProxies []netip.Prefix
	// CORSOrigins are the exact origins ("https://shop.example") browsers
	// may call from; empty: no CORS headers for anyone.
	CORSOrigins []string
	Logger      *slog.Logger
}

// unlimited paths: probes and scrapes, and webhooks, which are signed and
// come in bursts from a provider's few addresses.
func unlimited(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics", "/openapi.json":
		return true
	}
	return strings.HasPrefix(path, "/webhooks/")
}

// limit is the rate-limit middleware. It answers 429 with Retry-After and
// the RateLimit headers (draft-ietf-httpapi-ratelimit-headers) over the
// budget, and sends the headers on every counted answer. If the limiter
// fails (Redis down) the request passes and a warning is logged: an
// outage of the counter must not become an outage of the shop.
func (s *server) limit(e Edge) func(http.Handler) http.Handler {
	policy := strconv.Itoa(e.Policy.Limit) + ";w=" + strconv.Itoa(int(e.Policy.Window.Seconds()))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodOptions || unlimited(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			d, err := e.Limiter.Allow(r.Context(), s.limitKey(r, e.TrustedProxies))
			if err != nil {
				e.Logger.WarnContext(r.Context(), "rate limiter failed; request let through", slog.String("request_id", httpx.RequestID(r.Context())), slog.String("error", err.Error()))
				next.ServeHTTP(w, r)
				return
			}
			h := w.Header()
			reset := retryAfter(d.Reset)
			h.Set("RateLimit-Limit", strconv.Itoa(d.Limit))
			h.Set("RateLimit-Remaining", strconv.Itoa(d.Remaining))
			h.Set("RateLimit-Reset", strconv.Itoa(reset))
			h.Set("RateLimit-Policy", policy)
			if !d.Allowed {
				h.Set("Retry-After", strconv.Itoa(reset))
				s.api.Renderer().Error(w, r, &httpx.Error{Kind: httpx.KindRateLimited, Code: CodeRateLimited,
					Detail: "too many requests; retry after " + strconv.Itoa(reset) + " s"})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// limitKey is "user:<id>" for a request whose bearer token verifies, else
// "ip:<client>". A bad token counts against the IP: a forged token cannot
// spend someone else's budget, nor dodge its own.
func (s *server) limitKey(r *http.Request, trusted []netip.Prefix) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, token, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			if a, err := s.verifier.Verify(r.Context(), strings.TrimSpace(token)); err == nil {
				return "user:" + a.UserID
			}
		}
	}
	return "ip:" + clientKey(clientIP(r, trusted))
}

// clientIP is the address the request came from: the peer, or, when the
// peer is a trusted proxy, the first address in X-Forwarded-For, read from
// the right, that is not a trusted proxy (each proxy appends the address it
// saw, so anything left of that was written by the client and is
// worthless).
func clientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := peerAddr(r.RemoteAddr)
	if !isTrusted(peer, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer // a garbled chain: trust nothing past the proxy
		}
		a = a.Unmap()
		if !isTrusted(a, trusted) {
			return a
		}
		peer = a
	}
	return peer
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientKey counts IPv6 clients per /64: one subscriber usually holds a
// whole /64 and could otherwise take a fresh address per request.
func clientKey(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is6():
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
