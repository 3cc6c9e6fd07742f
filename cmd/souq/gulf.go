package main

import (
	"log/slog"

	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/paytabs"
	"github.com/souq-market/souq/internal/telr"
	"github.com/souq-market/souq/writeapi"
)

// gulfGateway is the GCC gateway checkout takes card payments through when
// one is configured (Telr's store ID or PayTabs' profile), else nil; an
// interface holding no typed nil.
func gulfGateway(cfg config.Config, logger *slog.Logger) (paycmd.Gateway, error) {
	if t, err := telrGateway(cfg); t != nil || err != nil {
		if err != nil {
			return nil, err
		}
		logger.Info("card payments go through Telr; their outcomes arrive as transaction advice at POST /webhooks/telr, set in Telr's Merchant Administration", slog.Bool("test_mode", cfg.TelrTest))
		return t, nil
	}
	p, err := paytabsGateway(cfg)
	if err != nil || p == nil {
		return nil, err
	}
	if cfg.PayTabsCallbackURL == "" {
		logger.Info("card payments go through PayTabs; SOUQ_PAYTABS_CALLBACK_URL is empty, so their outcomes arrive only through the IPN set in PayTabs' dashboard (POST /webhooks/paytabs)")
	}
	return p, nil
}

// telrGateway is the Telr card gateway when SOUQ_TELR_STORE_ID is set, else
// nil. It serves the Telr webhook too: advices are checked back with it.
func telrGateway(cfg config.Config) (*telr.Gateway, error) {
	if cfg.TelrStoreID == "" {
		return nil, nil
	}
	return telr.New(telr.Config{StoreID: cfg.TelrStoreID, AuthKey: cfg.TelrAuthKey, RemoteKey: cfg.TelrRemoteKey, Test: cfg.TelrTest, ReturnURL: cfg.PaymentReturnURL})
}

// paytabsGateway is the PayTabs card gateway when SOUQ_PAYTABS_PROFILE_ID
// is set, else nil.
func paytabsGateway(cfg config.Config) (*paytabs.Gateway, error) {
	if cfg.PayTabsProfileID == 0 {
		return nil, nil
	}
	return paytabs.New(paytabs.Config{ProfileID: cfg.PayTabsProfileID, ServerKey: cfg.PayTabsServerKey, URL: cfg.PayTabsURL,
		CallbackURL: cfg.PayTabsCallbackURL, ReturnURL: cfg.PaymentReturnURL})
}

// gulfWebhooks gives the write API PayTabs' server key and Telr's order
// check; a gateway not configured has its route refuse every delivery.
func gulfWebhooks(cfg config.Config) writeapi.GulfWebhooks {
	hooks := writeapi.GulfWebhooks{PayTabsServerKey: cfg.PayTabsServerKey, TelrStore: cfg.TelrStoreID}
	// Load validated the store and key, so New cannot refuse them here.
	if g, err := telrGateway(cfg); err == nil && g != nil {
		hooks.Telr = g
	}
	return hooks
}
