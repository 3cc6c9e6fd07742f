package writeapi

import (
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/souq-market/souq/commands"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/carrier"
	"github.com/souq-market/souq/internal/httpx"
)

// carrierWebhook verifies a carrier's delivery (HMAC over timestamp and
// raw body, within the window), maps its scans through the carrier's
// status table and tracks each on its shipment, found by carrier and
// tracking number. Resends and reordered scans are harmless: each scan's
// command ID derives from the shipment and the scan's ID, and the shipment
// never moves backwards.
func (s *server) carrierWebhook(cfg Webhooks, x *refs) http.Handler {
	deps := shipcmd.Deps{Exec: s.exec, Now: s.now}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ans, err := s.carrierEvent(w, r, cfg, x, deps)
		if err != nil {
			s.webhookFail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, ans)
	})
}

func (s *server) carrierEvent(w http.ResponseWriter, r *http.Request, cfg Webhooks, x *refs, deps shipcmd.Deps) (WebhookAnswer, error) {
	ctx := r.Context()
	c, known := carrier.Lookup(mux.Vars(r)["carrier"])
	secret := cfg.CarrierSecrets[c.Name()]
	if !known || len(secret) == 0 {
		return WebhookAnswer{}, &httpx.Error{Kind: httpx.KindNotFound, Code: CodeUnknownCarrier, Detail: "no such carrier takes webhooks here"}
	}
	body, err := readWebhook(w, r)
	if err != nil {
		return WebhookAnswer{}, err
	}
	if err := carrier.Verify(secret, r.Header.Get(carrier.TimestampHeader), r.Header.Get(carrier.SignatureHeader), body, s.now(), cfg.CarrierTolerance); err != nil {
		if errors.Is(err, carrier.ErrExpired) {
			return WebhookAnswer{}, unsigned(CodeWebhookExpired, "the timestamp is outside the tolerance window", err)
		}
		return WebhookAnswer{}, unsigned(CodeWebhookSignature, "the signature does not match this body and timestamp", err)
	}
	scans, err := c.Parse(body)
	if err != nil {
		return WebhookAnswer{}, malformed("the body is not a "+string(c.Name())+" tracking payload", err)
	}
	meta := commands.Meta{Actor: eventstore.Actor{UserID: string(c.Name()), Role: providerActorRole}}
	var ans WebhookAnswer
	for _, e := range scans {
		id, ok, err := x.parcel(ctx, c.Name(), e.TrackingNumber)
		if err != nil {
			return WebhookAnswer{}, err
		}
		if !ok {
			return WebhookAnswer{}, unknownRef("no %s shipment has the tracking number %s", c.Name(), e.TrackingNumber)
		}
		res, err := shipcmd.Track{Deps: deps}.Handle(ctx, shipcmd.For[shipment.Track]{ShipmentID: id, Cmd: shipment.Track{
			CarrierEventID: e.ID, Status: e.Status, CarrierStatus: clip(e.CarrierStatus, 255), Location: clip(e.Location, 255), OccurredAt: e.OccurredAt,
		}}, meta)
		if err != nil {
			return WebhookAnswer{}, err
		}
		ans.Applied++
		if !res.Replayed {
			ans.Recorded += res.Events
		}
		ans.Position = max(ans.Position, res.Position)
	}
	return ans, nil
}

// clip shortens s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}
