package main

import (
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/writeapi"
)

// webhooks gives the write API the providers' signing secrets; a carrier
// without one has its deliveries refused.
func webhooks(cfg config.Config) writeapi.Webhooks {
	secrets := map[shipment.Carrier][]byte{}
	for c, s := range map[shipment.Carrier]string{shipment.Fetchr: cfg.FetchrSecret, shipment.Aramex: cfg.AramexSecret,
		shipment.SMSA: cfg.SMSASecret, shipment.DHL: cfg.DHLSecret} {
		if s != "" {
			secrets[c] = []byte(s)
		}
	}
	return writeapi.Webhooks{StripeSecret: cfg.StripeWebhookSecret, CarrierSecrets: secrets, Gulf: gulfWebhooks(cfg)}
}
