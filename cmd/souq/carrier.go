package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/souq-market/souq/commands"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/carrierapi"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/sandbox"
)

// sandboxStep is the time between two of the sandbox carrier's scans: a
// demo order booked now is delivered four steps later.
const sandboxStep = 5 * time.Second

// carriers are a process's carriers, built once in serve for the write
// API and the process managers alike, and closed after both stopped.
type carriers struct {
	// sandbox books labels into the blob store in the embedded default
	// and, run with the process managers in every deployment, moves the
	// parcels it booked (only those) to delivered.
	sandbox *sandbox.Carrier
	// router reaches the adapter of each carrier configured with its
	// booking API (a real label, bought from the carrier), the sandbox for
	// the others in the embedded default only — a sandbox in a
	// distributed deployment would "deliver" real orders. Nil when no
	// carrier's booking API is configured.
	router *carrierapi.Router
	// booking is what the write API books with: the router, else the
	// sandbox in the embedded default; nil: clients record labels bought
	// elsewhere.
	booking shipcmd.Carrier
}

func openCarriers(cfg config.Config, exec *commands.Executor, blobs blob.Store, logger *slog.Logger) (*carriers, error) {
	adapters, err := carrierAdapters(cfg, blobs)
	if err != nil {
		return nil, err
	}
	c := &carriers{sandbox: sandbox.NewCarrier(sandbox.CarrierOptions{Exec: exec, Blobs: blobs, Step: sandboxStep, Logger: logger})}
	var fallback shipcmd.Carrier
	if cfg.EventStore == config.SQLite {
		fallback = c.sandbox
	}
	c.booking = fallback
	if len(adapters) > 0 {
		c.router = carrierapi.NewRouter(fallback, adapters...)
		c.booking = c.router
		logger.Info("carriers book real labels", "carriers", c.router.Carriers(), "others_in_sandbox", fallback != nil)
	}
	return c, nil
}

// poller follows the parcels of the carriers booked through their APIs,
// their watch list rebuilt from the log so a restart keeps following
// them; nil when no carrier's booking API is configured. It reads the
// store beneath the sealing of personal data (backend, pii.go), as
// shipment events hold none to open.
func (c *carriers) poller(ctx context.Context, store eventstore.Store, exec *commands.Executor, logger *slog.Logger) (*carrierapi.Poller, error) {
	if c.router == nil {
		return nil, nil
	}
	started := time.Now()
	p := carrierapi.NewPoller(carrierapi.PollerOptions{Exec: exec, Router: c.router, Logger: logger})
	n, err := p.Rebuild(ctx, backend(store))
	if err != nil {
		return nil, err
	}
	logger.Info("carrier tracking poller follows the parcels not yet delivered", "parcels", n, "rebuilt_in", time.Since(started))
	return p, nil
}

// Close stops the sandbox's pending scans.
func (c *carriers) Close() error { return c.sandbox.Close() }

// carrierAdapters builds an adapter per carrier whose booking API is
// configured (config checked that its URL and secret come together).
func carrierAdapters(cfg config.Config, blobs blob.Store) ([]carrierapi.Booker, error) {
	opts := carrierapi.Options{Blobs: blobs}
	var out []carrierapi.Booker
	for _, c := range []struct {
		url, secret string
		build       func(url, secret string) (carrierapi.Booker, error)
	}{
		{cfg.FetchrAPIURL, cfg.FetchrAPISecret, func(u, s string) (carrierapi.Booker, error) { return carrierapi.NewFetchr(u, s, opts) }},
		{cfg.AramexAPIURL, cfg.AramexAPISecret, func(u, s string) (carrierapi.Booker, error) { return carrierapi.NewAramex(u, s, opts) }},
		{cfg.SMSAAPIURL, cfg.SMSAAPISecret, func(u, s string) (carrierapi.Booker, error) { return carrierapi.NewSMSA(u, s, opts) }},
		{cfg.DHLAPIURL, cfg.DHLAPISecret, func(u, s string) (carrierapi.Booker, error) { return carrierapi.NewDHL(u, s, opts) }},
	} {
		if c.url == "" {
			continue
		}
		a, err := c.build(c.url, c.secret)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
