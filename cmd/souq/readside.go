package main

import (
	goredis "github.com/redis/go-redis/v9"

	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"slices"
	"sync"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver of PostgreSQL read models
	"github.com/prometheus/client_golang/prometheus"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver of embedded read models

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/projections"
	"github.com/souq-market/souq/projections/audit"
	"github.com/souq-market/souq/projections/audit/auditq"
	"github.com/souq-market/souq/projections/inventory"
	"github.com/souq-market/souq/projections/inventory/stockq"
	"github.com/souq-market/souq/projections/kpis"
	"github.com/souq-market/souq/projections/kpis/kpiq"
	"github.com/souq-market/souq/projections/orders"
	"github.com/souq-market/souq/projections/orders/orderq"
	"github.com/souq-market/souq/projections/products"
	"github.com/souq-market/souq/projections/shipments"
	"github.com/souq-market/souq/projections/shipments/shipmentq"
	"github.com/souq-market/souq/projections/users"
	"github.com/souq-market/souq/projections/users/userq"
	"github.com/souq-market/souq/projections/vendors"
	"github.com/souq-market/souq/projections/vendors/vendorq"
	"github.com/souq-market/souq/projections/wallets"
	"github.com/souq-market/souq/projections/wallets/walletq"
	"github.com/souq-market/souq/readapi"
)

// readProjectors lists every read model the runner feeds, in one place: a
// new view is one more line here (and its reader in readDeps).
func readProjectors(reg *eventstore.Registry) []projections.Projector {
	return []projections.Projector{
		orders.New(reg),
		wallets.New(reg),
		shipments.New(reg),
		inventory.New(reg),
		vendors.New(), kpis.New(), audit.New(),
		products.New(reg),
		users.New(reg), // GET /v1/me
	}
}

// readSide is the read models' database and the runner over it, shared by
// the read API (readers, WaitFor, readiness), the project role (Run) and
// the operator CLI.
type readSide struct {
	cfg     config.Config
	log     *slog.Logger
	dialect projections.Dialect
	// w is the runner's pool (on SQLite one connection: the one writer);
	// r the readers'.
	w, r    *sql.DB
	runner  *projections.Runner
	metrics *heldCollectors // the runner's, registered on the server that shows them
	scent   *scentSide      // scent match (scent.go)
	cache   *cacheSide      // cache, stock counters, live fan-out (cache.go)
	search  *searchSide     // product search (search.go)
	notify  *notifySide     // customer notifications, their own runner (notify.go)

	// more are the runners beside the read models' (process managers,
	// outbox): their collectors go to metrics, their readiness into check.
	mu   sync.Mutex
	more []labeledRunner
}

type labeledRunner struct {
	label  string
	runner *projections.Runner
}

// adopt makes another runner's readiness part of the read side's; its
// metrics reach the server when it was made with Registerer rs.metrics.
func (rs *readSide) adopt(label string, r *projections.Runner) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.more = append(rs.more, labeledRunner{label, r})
}

// openReadSide opens the read-model database the configuration names
// (SQLite views.db in the data dir, or a PostgreSQL schema), migrates the
// runner's tables and creates the views' tables. It runs nothing.
func openReadSide(ctx context.Context, cfg config.Config, logger *slog.Logger, store eventstore.Store, bs *blobSide, rc *goredis.Client) (*readSide, error) {
	rs := &readSide{cfg: cfg, log: logger.With(slog.String("component", "projections")), metrics: &heldCollectors{}}
	var err error
	switch cfg.Views() {
	case config.ViewsPostgres:
		rs.dialect = projections.Postgres()
		rs.w, rs.r, err = openPostgresViews(ctx, cfg)
	default:
		rs.dialect = projections.SQLite()
		rs.w, rs.r, err = openSQLiteViews(filepath.Join(cfg.DataDir, "views.db"))
	}
	if err != nil {
		return nil, err
	}
	reg := commands.NewRegistry()
	all, err := rs.allProjectors(ctx, reg, bs)
	if err == nil {
		if rs.cache, err = openCache(ctx, rc, logger); err == nil { // Redis when rc is set (redis.go)
			var more []projections.Projector
			more, err = rs.cache.projectors(reg, store)
			all = append(all, more...)
		}
	}
	if err == nil {
		if rs.search, err = openSearch(ctx, cfg, logger, reg); err == nil {
			all = append(all, rs.search.projector)
		}
	}
	if err == nil && bs != nil { // each confirmed order's invoice PDF (blobs.go)
		all = append(all, bs.invoices(reg, store))
	}
	if err == nil {
		rs.runner, err = projections.New(ctx, projections.Options{
			DB: rs.w, Dialect: rs.dialect, Store: store, Registerer: rs.metrics, Label: "read", Logger: rs.log,
		}, all...)
	}
	if err == nil {
		rs.notify, err = openNotify(ctx, cfg, logger, rs, reg, store)
	}
	if err != nil {
		_ = rs.Close()
		return nil, fmt.Errorf("projections: %w", err)
	}
	return rs, nil
}

func openSQLiteViews(path string) (w, r *sql.DB, err error) {
	// secure_delete: a customer's data cleared from a view after forget is
	// overwritten in the file, not left in its free pages.
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=secure_delete(1)"
	if w, err = sql.Open("sqlite", dsn); err != nil {
		return nil, nil, fmt.Errorf("open the read models in %s: %w", path, err)
	}
	w.SetMaxOpenConns(1) // SQLite has one writer: queue in Go, not in busy waits
	if r, err = sql.Open("sqlite", dsn+"&_pragma=query_only(1)"); err != nil {
		_ = w.Close()
		return nil, nil, fmt.Errorf("open the read models in %s: %w", path, err)
	}
	// Readers keep their connections: opening an SQLite connection (file,
	// pragmas) costs more than most reads; a few suffice on a small box.
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	return w, r, nil
}

func openPostgresViews(ctx context.Context, cfg config.Config) (w, r *sql.DB, err error) {
	u, err := url.Parse(cfg.PostgresURL)
	if err != nil {
		return nil, nil, fmt.Errorf("read models: %w", err)
	}
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		return nil, nil, fmt.Errorf("read models: %w", err)
	}
	// The schema is a checked identifier (config), safe to splice.
	_, err = admin.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+cfg.ViewsSchema)
	_ = admin.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("read models: create schema %s: %w", cfg.ViewsSchema, err)
	}
	q := u.Query()
	q.Set("search_path", cfg.ViewsSchema)
	u.RawQuery = q.Encode()
	if w, err = sql.Open("pgx", u.String()); err != nil {
		return nil, nil, fmt.Errorf("read models: %w", err)
	}
	w.SetMaxOpenConns(8)
	if r, err = sql.Open("pgx", u.String()); err != nil {
		_ = w.Close()
		return nil, nil, fmt.Errorf("read models: %w", err)
	}
	r.SetMaxOpenConns(32)
	r.SetMaxIdleConns(32)
	return w, r, nil
}

// Close closes both pools.
func (rs *readSide) Close() error {
	err := errors.Join(rs.r.Close(), rs.w.Close(), rs.closeScent(), rs.search.Close())
	if rs.cache != nil {
		err = errors.Join(err, rs.cache.Close())
	}
	return err
}

// start runs the projectors until the returned stop is called; stop waits
// for the runner to let go, so the store can close after it.
func (rs *readSide) start() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	rs.rewindScent(ctx)
	if err := rs.cache.rewind(ctx, rs.runner); err != nil {
		rs.log.Error("cache: rewinding the stock counters failed; product pages read the views", slog.String("error", err.Error()))
	}
	go func() {
		defer close(done)
		_ = rs.runner.Run(ctx)
	}()
	go rs.search.promoteWhenCaughtUp(ctx, rs.runner)
	stopNotify := rs.notify.start()
	rs.log.Info("projectors running", slog.Any("projectors", rs.runner.Names()))
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
			stopNotify()
			rs.log.Info("projectors stopped")
		})
	}
}

// check is the read side's readiness: every projector within
// SOUQ_READY_MAX_LAG events of the store's head and none failing, those of
// the adopted runners (process managers, outbox) included.
func (rs *readSide) check() httpx.Check {
	return httpx.Check{Name: "projections", Fn: func(ctx context.Context) error {
		errs := []error{rs.runner.Ready(ctx, rs.cfg.ReadyMaxLag)}
		rs.mu.Lock()
		more := slices.Clone(rs.more)
		rs.mu.Unlock()
		for _, m := range more {
			if err := m.runner.Ready(ctx, rs.cfg.ReadyMaxLag); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", m.label, err))
			}
		}
		return errors.Join(errs...)
	}}
}

// readDeps are the read API's dependencies: readers over the readers'
// pool, the runner's WaitFor, token verification.
func (rs *readSide) readDeps(v auth.Verifier) readapi.Deps {
	rebind := rs.dialect.Rebind
	return readapi.Deps{
		Verify: v,
		Wait: func(ctx context.Context, name string, pos uint64) error {
			return rs.runner.WaitFor(ctx, name, eventstore.Position(pos))
		},
		MaxWait:   rs.cfg.ReadWait,
		Orders:    orderq.New(rs.r, rebind),
		Wallets:   walletq.New(rs.r, rebind),
		Shipments: shipmentq.New(rs.r, rebind),
		Inventory: stockq.New(rs.r, rebind),
		Vendors:   vendorq.New(rs.r, rebind), KPIs: kpiq.New(rs.r, rebind), Audit: auditq.New(rs.r, rebind),
		Users:    userq.New(rs.r, rebind),
		Scent:    rs.scentReader(orderq.New(rs.r, rebind)),
		Products: rs.cache.products(rs.r, rebind), Live: rs.cache.live(),
		Search: rs.search.index,
	}
}

// heldCollectors holds the runners' Prometheus collectors until a server's
// registry takes them: `souq serve` shows them on the read API's /metrics,
// `souq project` on its own. A collector registered after that (the process
// managers' and outbox's runners start after the servers are built) goes
// straight to the registries that took the others.
type heldCollectors struct {
	mu   sync.Mutex
	cs   []prometheus.Collector
	regs []prometheus.Registerer
}

func (c *heldCollectors) Register(col prometheus.Collector) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, reg := range c.regs {
		if err := reg.Register(col); err != nil {
			return err
		}
	}
	c.cs = append(c.cs, col)
	return nil
}

func (c *heldCollectors) MustRegister(cols ...prometheus.Collector) {
	for _, col := range cols {
		_ = c.Register(col)
	}
}

func (c *heldCollectors) Unregister(col prometheus.Collector) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.cs)
	c.cs = slices.DeleteFunc(c.cs, func(x prometheus.Collector) bool { return x == col })
	for _, reg := range c.regs {
		reg.Unregister(col)
	}
	return len(c.cs) < n
}

// into registers the held collectors in reg.
func (c *heldCollectors) into(reg prometheus.Registerer) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, col := range c.cs {
		if err := reg.Register(col); err != nil {
			return err
		}
	}
	c.regs = append(c.regs, reg)
	return nil
}

// projectAPI is the project role's server: health, readiness (projections
// within their lag bound) and the runner's metrics, on SOUQ_PROJECT_ADDR.
func (rs *readSide) projectAPI(logger *slog.Logger, reg *prometheus.Registry, checks []httpx.Check, version string) (*httpx.API, error) {
	if err := rs.metrics.into(reg); err != nil {
		return nil, err
	}
	return httpx.New(httpx.Options{Name: "project", Title: "souq projector", Version: version, Logger: logger, Registry: reg,
		Checks: append(checks, rs.check()), ReadyTimeout: rs.cfg.ReadyTimeout})
}
