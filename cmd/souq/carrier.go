package main

import (
	"log/slog"
	"time"

	"github.com/souq-market/souq/commands"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/carrierapi"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/sandbox"
)

// sandboxStep is the time between two of the sandbox carrier's scans: a
// demo order booked now is delivered four steps later.
const sandboxStep = 5 * time.Second

// sandboxCarrier is the embedded default's carrier: it books labels into
// the blob store (commands/shipment.Carrier) and, run as a process
// manager, moves every parcel it booked to delivered. Parcels of a real
// carrier move with its webhooks.
func sandboxCarrier(exec *commands.Executor, blobs blob.Store, logger *slog.Logger) *sandbox.Carrier {
	return sandbox.NewCarrier(sandbox.CarrierOptions{Exec: exec, Blobs: blobs, Step: sandboxStep, Logger: logger})
}

// bookingCarrier is the carrier the write API books labels with: the
// adapter of each carrier configured with its booking API (a real label,
// bought from the carrier), and for the others the sandbox in the embedded
// default only — a sandbox in a distributed deployment would "deliver"
// real orders. Nil when neither: clients record labels bought elsewhere.
func bookingCarrier(cfg config.Config, exec *commands.Executor, blobs blob.Store, logger *slog.Logger) (shipcmd.Carrier, error) {
	adapters, err := carrierAdapters(cfg, blobs)
	if err != nil {
		return nil, err
	}
	var fallback shipcmd.Carrier
	if cfg.EventStore == config.SQLite {
		fallback = sandboxCarrier(exec, blobs, logger)
	}
	if len(adapters) == 0 {
		return fallback, nil
	}
	router := carrierapi.NewRouter(fallback, adapters...)
	logger.Info("carriers book real labels", "carriers", router.Carriers(), "others_in_sandbox", fallback != nil)
	return router, nil
}

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
