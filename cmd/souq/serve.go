package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	goredis "github.com/redis/go-redis/v9"

	"github.com/souq-market/souq/commands"
	ordercmd "github.com/souq-market/souq/commands/order"
	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/readapi"
	"github.com/souq-market/souq/writeapi"
)

// The marketplace's terms until they become configuration: 15 % commission
// for a vendor without an approved rate, 14 days to return.
const (
	defaultCommission = 1500
	returnWindowDays  = 14
)

// server is one listening API.
type server struct {
	name string
	http *http.Server
	ln   net.Listener
}

// serve runs the given roles until SIGINT or SIGTERM, then drains in-flight
// requests within the shutdown timeout and closes the store.
func serve(ctx context.Context, cfg config.Config, logger *slog.Logger, roles []string) (err error) {
	started := time.Now()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	version, commit, _ := buildVersion()
	logger.Info("starting souq", slog.Any("roles", roles), slog.String("version", version), slog.String("commit", commit),
		slog.String("eventstore", string(cfg.EventStore)), slog.String("data_dir", cfg.DataDir))

	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("create the data dir: %w", err)
	}
	store, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := store.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("close the event store: %w", cerr))
		} else {
			logger.Info("event store closed")
		}
	}()

	// Blobs: files in the data dir, or S3/MinIO (blobs.go).
	bs, err := openBlobs(ctx, cfg, logger)
	if err != nil {
		return err
	}

	// One Redis client (redis.go) when SOUQ_REDIS_URL is set, shared by the
	// cache, the live fan-out and the rate limit; closed after the read side.
	rc, err := openRedis(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, closeRedis(rc)) }()

	// The read models, for the read API and the projectors (readside.go).
	var rs *readSide
	if slices.Contains(roles, "read") || slices.Contains(roles, "project") {
		if rs, err = openReadSide(ctx, cfg, logger, store, bs, rc); err != nil {
			return err
		}
		defer func() { err = errors.Join(err, rs.Close()) }()
	}
	// One card gateway and one set of carriers (gateway.go, carrier.go) for
	// the write API and the process managers, closed after both stopped.
	var (
		gw   paycmd.Gateway
		cars *carriers
	)
	if slices.Contains(roles, "write") || slices.Contains(roles, "project") {
		exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{Logger: logger})
		var closeGateway func() error
		if gw, closeGateway, err = cardGateway(cfg, exec, logger); err != nil {
			return fmt.Errorf("card gateway: %w", err)
		}
		defer func() { err = errors.Join(err, closeGateway()) }()
		if cars, err = openCarriers(cfg, exec, bs.store, logger); err != nil {
			return err
		}
		defer func() { err = errors.Join(err, cars.Close()) }()
	}
	servers, err := buildServers(cfg, logger, store, rs, bs, rc, gw, cars, version, roles)
	if err != nil {
		return err
	}
	if rs != nil && rs.cache != nil { // live streams never end by themselves: end them as shutdown begins (cache.go)
		for _, s := range servers {
			s.http.RegisterOnShutdown(rs.cache.endStreams)
		}
	}
	if slices.Contains(roles, "project") {
		// Stopped after the servers drained, so reads waiting on
		// X-Souq-Min-Position still see the projectors move.
		stopRunner := rs.start()
		defer stopRunner()
		// The process managers issue commands from events (process.go).
		stopProcess, err := startProcess(ctx, logger, store, rs, gw, cars)
		if err != nil {
			return err
		}
		defer stopProcess()
		// The Kafka outbox, when brokers are configured (outbox.go).
		stopOutbox, err := startOutbox(ctx, cfg, logger, store, rs)
		if err != nil {
			return err
		}
		defer stopOutbox()
	}
	serveErr := make(chan error, len(servers))
	for _, s := range servers {
		logger.Info("listening", slog.String("api", s.name), slog.String("addr", s.ln.Addr().String()))
		go func() {
			if err := s.http.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
				serveErr <- fmt.Errorf("%s api: %w", s.name, err)
			}
		}()
	}
	logger.Info("souq ready", slog.Duration("startup", time.Since(started)))

	select {
	case <-ctx.Done():
		stop() // a second signal now kills at once, as an operator expects
		logger.Info("shutting down", slog.Duration("timeout", cfg.ShutdownTimeout))
	case err = <-serveErr:
		logger.Error("a server failed; shutting down", slog.String("error", err.Error()))
	}
	return errors.Join(err, shutdown(cfg.ShutdownTimeout, logger, servers))
}

// buildServers listens first, so a taken port fails the start before
// anything is served, and closes what it opened if a later step fails.
func buildServers(cfg config.Config, logger *slog.Logger, store eventstore.Store, rs *readSide, bs *blobSide, rc *goredis.Client,
	gw paycmd.Gateway, cars *carriers, version string, roles []string) ([]server, error) {
	storeCheck := httpx.Check{Name: "eventstore", Fn: func(ctx context.Context) error {
		_, err := store.Head(ctx)
		return err
	}}
	var out []server
	fail := func(err error) ([]server, error) {
		for _, s := range out {
			_ = s.ln.Close()
		}
		return nil, err
	}
	for _, role := range roles {
		reg := prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		var (
			api  *httpx.API
			addr string
			err  error
		)
		switch role {
		case "write":
			addr = cfg.WriteAddr
			var v auth.Verifier
			if v, err = verifier(cfg); err != nil {
				return fail(err)
			}
			// One executor over the opened store, with every domain event
			// registered; the write API builds its handlers and catalog on it.
			exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{Logger: logger})
			id, edge, ferr := frontDoor(cfg, logger, v, rc)
			if ferr != nil {
				return fail(ferr)
			}
			api, err = writeapi.New(writeapi.Deps{Store: store, Exec: exec, Auth: v, Logger: logger, Registry: reg,
				ReadyTimeout: cfg.ReadyTimeout, Version: version,
				DefaultCommission: defaultCommission, Policy: ordercmd.Policy{ReturnWindowDays: returnWindowDays},
				Webhooks: webhooks(cfg), Identity: id, Edge: edge, Blobs: bs.store, Gateway: gw,
				Carrier: cars.booking})
		case "read":
			addr = cfg.ReadAddr
			var v auth.Verifier
			if v, err = verifier(cfg); err != nil {
				return fail(err)
			}
			d := rs.readDeps(v)
			d.Integration = integrationFeed(store)
			d.Blobs, d.BlobLinks = bs.store, bs.links
			d.Logger, d.Registry, d.ReadyTimeout, d.Version = logger, reg, cfg.ReadyTimeout, version
			d.Checks = []httpx.Check{storeCheck, rs.check(), rs.search.check()}
			if slices.Contains(roles, "project") { // serve: the runner's metrics here
				err = rs.metrics.into(reg)
			}
			if err == nil {
				api, err = readapi.New(d)
			}
		case "project":
			if slices.Contains(roles, "read") {
				continue // serve: the read API shows the projectors
			}
			addr = cfg.ProjectAddr
			api, err = rs.projectAPI(logger, reg, []httpx.Check{storeCheck}, version)
		default:
			err = fmt.Errorf("unknown role %q", role)
		}
		if err != nil {
			return fail(err)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fail(fmt.Errorf("%s api: %w", role, err))
		}
		out = append(out, server{name: role, ln: ln, http: &http.Server{
			Handler:           api.Handler(),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          slog.NewLogLogger(logger.With(slog.String("api", role)).Handler(), slog.LevelWarn),
		}})
	}
	return out, nil
}

// shutdown stops accepting, waits for in-flight requests up to the timeout,
// then cuts what is left.
func shutdown(timeout time.Duration, logger *slog.Logger, servers []server) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, s := range servers {
		wg.Go(func() {
			err := s.http.Shutdown(ctx)
			if errors.Is(err, context.DeadlineExceeded) {
				_ = s.http.Close()
				err = fmt.Errorf("%s api: requests still running after %s were cut", s.name, timeout)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else {
				logger.Info("drained", slog.String("api", s.name))
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
