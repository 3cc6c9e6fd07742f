package readapi

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/internal/httpx"
)

// Deps are what the read API needs; cmd/souq builds them.
type Deps struct {
	Logger   *slog.Logger
	Registry *prometheus.Registry // this server's own
	// Checks decide /readyz: the read models' stores reachable, projections
	// within their lag bound. The read API cannot reach the event store itself.
	Checks       []httpx.Check
	ReadyTimeout time.Duration
	Version      string
}

// New builds the read API.
func New(d Deps) (*httpx.API, error) {
	api, err := httpx.New(httpx.Options{
		Name: "read", Title: "souq read API", Version: d.Version,
		Logger: d.Logger, Registry: d.Registry, Checks: d.Checks, ReadyTimeout: d.ReadyTimeout,
		Classifiers: []httpx.Classifier{httpx.Domain},
	})
	if err != nil {
		return nil, fmt.Errorf("readapi: %w", err)
	}
	return api, nil
}
