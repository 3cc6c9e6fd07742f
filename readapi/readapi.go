package readapi

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections/audit/auditq"
	"github.com/souq-market/souq/projections/inventory/stockq"
	"github.com/souq-market/souq/projections/kpis/kpiq"
	"github.com/souq-market/souq/projections/orders/orderq"
	"github.com/souq-market/souq/projections/scent"
	"github.com/souq-market/souq/projections/search"
	"github.com/souq-market/souq/projections/shipments/shipmentq"
	"github.com/souq-market/souq/projections/users/userq"
	"github.com/souq-market/souq/projections/vendors/vendorq"
	"github.com/souq-market/souq/projections/wallets/walletq"
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

	// Verify checks bearer tokens; without it every /v1 read is a 401.
	Verify auth.Verifier
	// Wait backs X-Souq-Min-Position; MaxWait bounds it (default 2s).
	Wait    Waiter
	MaxWait time.Duration

	// The views' readers; a nil reader leaves its routes out.
	Orders    *orderq.Reader
	Wallets   *walletq.Reader
	Shipments *shipmentq.Reader
	Inventory *stockq.Reader
	Vendors   *vendorq.Reader
	KPIs      *kpiq.Reader
	Audit     *auditq.Reader
	Users     *userq.Reader // GET /v1/me (me.go)
	// Search answers the public product search and suggest routes.
	Search search.Searcher
	// Scent answers similar products, scent match, image match and
	// recommendations.
	Scent *scent.Reader
	// Integration serves GET /v1/integration-events; nil leaves it out.
	Integration IntegrationFeed
	// Products answers the product page (products.go); Live serves the
	// live-update streams (live.go). Nil leaves their routes out.
	Products ProductDetails
	Live     *Live
	// Blobs serves download links and invoices (blobs.go); BlobLinks, for
	// a store that cannot presign (files), mounts the signed downloads.
	Blobs     blob.Store
	BlobLinks *blob.Links
}

// Server is the read API under construction: route files add their routes
// to it with Handle.
type Server struct {
	api     *httpx.API
	deps    Deps
	log     *slog.Logger
	verify  auth.Verifier
	waiter  Waiter
	maxWait time.Duration
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
	if d.MaxWait <= 0 {
		d.MaxWait = 2 * time.Second
	}
	s := &Server{api: api, deps: d, log: d.Logger, verify: d.Verify, waiter: d.Wait, maxWait: d.MaxWait}
	// Each view's routes, one function per file: a new view adds a line.
	for _, add := range []func(*Server){
		(*Server).orderRoutes,
		(*Server).walletRoutes,
		(*Server).shipmentRoutes,
		(*Server).inventoryRoutes,
		(*Server).vendorRoutes, (*Server).kpiRoutes, (*Server).auditRoutes,
		(*Server).searchRoutes,
		(*Server).scentRoutes,
		(*Server).integrationRoutes,
		(*Server).productRoutes, (*Server).liveRoutes,
		(*Server).blobRoutes,
		(*Server).meRoutes,
	} {
		add(s)
	}
	return api, nil
}
