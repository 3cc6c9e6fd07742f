package writeapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/httpx"
)

// Webhooks configures the provider webhooks. A provider without a secret
// has its route refuse every delivery: nothing unsigned is ever applied.
type Webhooks struct {
	// StripeSecret is the endpoint's signing secret (whsec_…).
	StripeSecret string
	// CarrierSecrets are the per-carrier HMAC keys.
	CarrierSecrets map[shipment.Carrier][]byte
	// CarrierTolerance is how far a carrier's timestamp may be from now,
	// either way; default 5 minutes.
	CarrierTolerance time.Duration
	Gulf             GulfWebhooks // Telr and PayTabs (gulf.go)
}

// MaxWebhookBody bounds a webhook body: Stripe's events and carriers'
// scans are a few kilobytes.
const MaxWebhookBody = 1 << 20

// Codes of the webhook refusals.
const (
	CodeWebhookSignature  = "webhook.bad_signature"
	CodeWebhookExpired    = "webhook.expired"
	CodeWebhookMalformed  = "webhook.malformed"
	CodeUnknownCarrier    = "webhook.unknown_carrier"
	CodeUnknownReference  = "webhook.unknown_reference"
	CodeWebhookTooLarge   = "webhook.too_large"
	providerActorRole     = "provider"
	defaultCarrierWindow  = 5 * time.Minute
	webhookReadCatchUpMax = 1000
)

// WebhookAnswer is the body of a webhook's 200.
type WebhookAnswer struct {
	EventID  string              `json:"event_id,omitempty"`
	Recorded int                 `json:"recorded"` // events written now
	Applied  int                 `json:"applied"`  // commands run (a duplicate runs and writes nothing)
	Ignored  bool                `json:"ignored,omitempty"`
	Position eventstore.Position `json:"position,omitempty"`
}

// readWebhook reads the raw body, bounded, before anything is verified.
func readWebhook(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxWebhookBody {
		return nil, &statusError{http.StatusRequestEntityTooLarge, CodeWebhookTooLarge, fmt.Sprintf("a webhook body may hold at most %d bytes", MaxWebhookBody)}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, &statusError{http.StatusRequestEntityTooLarge, CodeWebhookTooLarge, fmt.Sprintf("a webhook body may hold at most %d bytes", MaxWebhookBody)}
		}
		return nil, &httpx.Error{Kind: httpx.KindInvalid, Code: CodeWebhookMalformed, Detail: "the body could not be read", Err: err}
	}
	return body, nil
}

func unsigned(code, detail string, err error) error {
	return &httpx.Error{Kind: httpx.KindUnauthenticated, Code: code, Detail: detail, Err: err}
}

func malformed(detail string, err error) error {
	return &httpx.Error{Kind: httpx.KindInvalid, Code: CodeWebhookMalformed, Detail: detail, Err: err}
}

// unknownRef is a webhook about something souq has not recorded (yet: a
// provider may call before the command that created its payment or label
// finished). 404 makes the provider deliver it again later.
func unknownRef(format string, args ...any) error {
	return &httpx.Error{Kind: httpx.KindNotFound, Code: CodeUnknownReference, Detail: fmt.Sprintf(format, args...)}
}

// refs follows the event store for the references providers use: a
// payment's provider reference (a Stripe PaymentIntent), a parcel's carrier
// and tracking number. It catches up on every question, so a reference
// recorded a moment ago is found.
type refs struct {
	store eventstore.Store
	reg   *eventstore.Registry

	mu       sync.Mutex
	pos      eventstore.Position
	payments map[string]domain.PaymentID  // provider + "\x00" + reference
	parcels  map[string]domain.ShipmentID // carrier + "\x00" + tracking number
}

func newRefs(store eventstore.Store, reg *eventstore.Registry) *refs {
	return &refs{store: store, reg: reg, payments: map[string]domain.PaymentID{}, parcels: map[string]domain.ShipmentID{}}
}

func (x *refs) catchUp(ctx context.Context) error {
	for {
		recs, err := x.store.ReadAll(ctx, x.pos, webhookReadCatchUpMax)
		if err != nil {
			return fmt.Errorf("writeapi: references: read after %d: %w", x.pos, err)
		}
		for _, r := range recs {
			if r.Type == payment.TypeInitiated || r.Type == shipment.TypeCreated {
				v, err := x.reg.DecodeRecorded(r)
				if err != nil {
					return fmt.Errorf("writeapi: references: decode %s at %d: %w", r.Type, r.Position, err)
				}
				switch e := v.(type) {
				case payment.Initiated:
					x.payments[e.Provider+"\x00"+e.ProviderRef] = e.PaymentID
				case *payment.Initiated:
					x.payments[e.Provider+"\x00"+e.ProviderRef] = e.PaymentID
				case shipment.Created:
					x.parcels[string(e.Carrier)+"\x00"+e.TrackingNumber] = e.ShipmentID
				case *shipment.Created:
					x.parcels[string(e.Carrier)+"\x00"+e.TrackingNumber] = e.ShipmentID
				}
			}
			x.pos = r.Position
		}
		if len(recs) < webhookReadCatchUpMax {
			return nil
		}
	}
}

func (x *refs) payment(ctx context.Context, provider, ref string) (domain.PaymentID, bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if id, ok := x.payments[provider+"\x00"+ref]; ok {
		return id, true, nil
	}
	if err := x.catchUp(ctx); err != nil {
		return "", false, err
	}
	id, ok := x.payments[provider+"\x00"+ref]
	return id, ok, nil
}

func (x *refs) parcel(ctx context.Context, carrier shipment.Carrier, tracking string) (domain.ShipmentID, bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if id, ok := x.parcels[string(carrier)+"\x00"+tracking]; ok {
		return id, true, nil
	}
	if err := x.catchUp(ctx); err != nil {
		return "", false, err
	}
	id, ok := x.parcels[string(carrier)+"\x00"+tracking]
	return id, ok, nil
}

// webhooks registers both webhook routes. They sit outside the bearer-token
// middleware: the signature is the caller's identity.
func (s *server) webhooks(cfg Webhooks, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.CarrierTolerance <= 0 {
		cfg.CarrierTolerance = defaultCarrierWindow
	}
	x := newRefs(s.store, s.exec.Registry())
	s.api.Handle(httpx.Operation{Method: "POST", Path: "/webhooks/stripe", ID: "stripeWebhook", Tag: "webhooks",
		Summary: "A Stripe event, signed (Stripe-Signature); each event applied once.", Errors: []int{400, 401, 404, 409, 413, 422}},
		s.stripeWebhook(cfg.StripeSecret, x, logger))
	s.api.Handle(httpx.Operation{Method: "POST", Path: "/webhooks/carriers/{carrier}", ID: "carrierWebhook", Tag: "webhooks",
		Summary: "A carrier's tracking scans (fetchr, aramex, smsa, dhl), signed with X-Souq-Timestamp and X-Souq-Signature.", Errors: []int{400, 401, 404, 409, 413, 422}},
		s.carrierWebhook(cfg, x))
	s.gulfWebhooks(cfg.Gulf, x, logger)
}

// webhookFail renders a refusal; statusError (413) has no httpx kind.
func (s *server) webhookFail(w http.ResponseWriter, r *http.Request, err error) { s.fail(w, r, err) }
