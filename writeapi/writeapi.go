package writeapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/commands"
	ordercmd "github.com/souq-market/souq/commands/order"
	paycmd "github.com/souq-market/souq/commands/payment"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/writeapi/catalog"
)

// Deps are what the write API needs; cmd/souq builds them.
type Deps struct {
	Store    eventstore.Store
	Logger   *slog.Logger
	Registry *prometheus.Registry // this server's own
	// Checks are extra readiness checks; the event store's is always added.
	Checks       []httpx.Check
	ReadyTimeout time.Duration
	Version      string

	// Exec runs the commands; nil builds one over Store with every domain
	// event registered.
	Exec *commands.Executor
	// Auth verifies bearer tokens; required.
	Auth auth.Verifier
	// Catalog prices checkouts and says who owns a SKU; nil builds an
	// index following Store with DefaultCommission.
	Catalog           *catalog.Index
	DefaultCommission domain.BasisPoints
	// Policy holds the checkout's terms.
	Policy ordercmd.Policy
	// Now is the clock commands decide at; default time.Now.
	Now func() time.Time
	// Webhooks holds the providers' signing secrets (webhooks.go).
	Webhooks Webhooks
	// Identity serves accounts and issues tokens (identity.go); Edge is
	// the rate limit and CORS in front of every route (ratelimit.go, cors.go).
	Identity Identity
	Edge     Edge
	// Blobs stores uploads (blobs.go); nil leaves the upload routes out.
	Blobs blob.Store
	// Carrier books labels for POST /v1/shipments sent without a tracking
	// number and label, passing it the parcel the vendor described. cmd/souq
	// gives a router to the adapter of every carrier whose booking API is
	// configured, in any deployment, embedded or distributed, and to the
	// sandbox for the others in the embedded default only; nil (a
	// distributed deployment with no carrier API configured): clients
	// record labels bought elsewhere.
	Carrier shipcmd.Carrier
	// Gateway is the card gateway checkout pays through, for admins'
	// refunds and voids and customers' payment sessions; nil refuses
	// those of card payments (503).
	Gateway paycmd.Gateway
}

// New builds the write API.
func New(d Deps) (*httpx.API, error) {
	if d.Store == nil {
		return nil, errors.New("writeapi: no event store")
	}
	if d.Auth == nil {
		return nil, errors.New("writeapi: no token verifier")
	}
	if d.Exec == nil {
		d.Exec = commands.NewExecutor(d.Store, commands.NewRegistry(), commands.Options{Logger: d.Logger})
	}
	if d.Catalog == nil {
		d.Catalog = catalog.New(d.Store, d.Exec.Registry(), d.DefaultCommission)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Gateway == nil {
		d.Gateway = noGateway{}
	}
	checks := append([]httpx.Check{{Name: "eventstore", Fn: func(ctx context.Context) error {
		_, err := d.Store.Head(ctx)
		return err
	}}}, d.Checks...)
	api, err := httpx.New(httpx.Options{
		Name: "write", Title: "souq write API", Version: d.Version,
		Logger: d.Logger, Registry: d.Registry, Checks: checks, ReadyTimeout: d.ReadyTimeout,
		Classifiers: []httpx.Classifier{httpx.Domain, Classify},
	})
	if err != nil {
		return nil, fmt.Errorf("writeapi: %w", err)
	}
	s := &server{api: api, store: d.Store, exec: d.Exec, verifier: d.Auth, catalog: d.Catalog, now: d.Now, policy: d.Policy, carrier: d.Carrier, gateway: d.Gateway}
	s.routes()
	s.blobRoutes(d.Blobs)
	s.webhooks(d.Webhooks, d.Logger)
	if err := s.identity(d.Identity); err != nil {
		return nil, err
	}
	if d.Edge.Logger == nil {
		d.Edge.Logger = d.Logger
	}
	s.edge(d.Edge)
	return api, nil
}

// Classify shows event-store errors to clients. A conflict and a reused
// event ID are the client's race or mistake (409); an append the store
// refused as invalid is 422; a missing stream 404; a closed store is a
// server going away (503).
func Classify(err error) *httpx.Error {
	var (
		conflict *eventstore.ConflictError
		invalid  *eventstore.InvalidError
	)
	switch {
	case errors.As(err, &conflict):
		return &httpx.Error{Kind: httpx.KindConflict, Code: "eventstore.conflict",
			Detail: fmt.Sprintf("expected %s, the stream has moved on; reload and retry", conflict.Expected)}
	case errors.Is(err, eventstore.ErrConflict):
		return &httpx.Error{Kind: httpx.KindConflict, Code: "eventstore.conflict", Detail: "the stream has moved on; reload and retry"}
	case errors.Is(err, eventstore.ErrIDReuse):
		return &httpx.Error{Kind: httpx.KindConflict, Code: "eventstore.id_reused", Detail: "an event ID of this request is already used by another event"}
	case errors.As(err, &invalid):
		return &httpx.Error{Kind: httpx.KindUnprocessable, Code: "eventstore.invalid", Detail: fmt.Sprintf("%d problems", len(invalid.Problems)),
			Extensions: map[string]any{"problems": invalid.Problems}}
	case errors.Is(err, eventstore.ErrInvalid):
		return &httpx.Error{Kind: httpx.KindUnprocessable, Code: "eventstore.invalid"}
	case errors.Is(err, eventstore.ErrStreamNotFound):
		return &httpx.Error{Kind: httpx.KindNotFound, Code: "eventstore.stream_not_found", Detail: "no such stream"}
	case errors.Is(err, eventstore.ErrClosed):
		return &httpx.Error{Kind: httpx.KindUnavailable, Code: "eventstore.closed", Detail: "the server is shutting down; retry elsewhere"}
	}
	return nil
}
