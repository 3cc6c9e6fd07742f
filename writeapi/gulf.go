package writeapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/souq-market/souq/commands"
	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/httpx"
	"github.com/souq-market/souq/internal/paytabs"
	"github.com/souq-market/souq/internal/psp"
	"github.com/souq-market/souq/internal/telr"
)

// GulfWebhooks configures the notifications of the GCC card gateways. A
// gateway left unconfigured has its route refuse every delivery.
type GulfWebhooks struct {
	// PayTabsServerKey verifies the Signature of POST /webhooks/paytabs.
	PayTabsServerKey string
	// Telr reads an order back (telr.Gateway.Check): Telr's advice is not
	// signed, so POST /webhooks/telr believes only what Telr answers.
	// TelrStore is the store ID every advice must name.
	Telr      TelrOrders
	TelrStore string
}

// TelrOrders is Telr's record of its orders.
type TelrOrders interface {
	Check(ctx context.Context, ref string) (telr.Order, error)
}

// gulfWebhooks registers the Telr and PayTabs routes.
func (s *server) gulfWebhooks(cfg GulfWebhooks, x *refs, logger *slog.Logger) {
	deps := paycmd.Deps{Exec: s.exec, Now: s.now}
	s.api.Handle(httpx.Operation{Method: "POST", Path: "/webhooks/paytabs", ID: "paytabsWebhook", Tag: "webhooks",
		Summary: "A PayTabs callback or IPN, signed (Signature: HMAC-SHA256 of the body with the server key); each transaction applied once.", Errors: []int{400, 401, 404, 409, 413, 422}},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ans, err := s.paytabsCallback(w, r, cfg.PayTabsServerKey, x, deps, logger)
			s.answerWebhook(w, r, ans, err)
		}))
	s.api.Handle(httpx.Operation{Method: "POST", Path: "/webhooks/telr", ID: "telrWebhook", Tag: "webhooks",
		Summary: "A Telr transaction advice (form fields); believed only as far as Telr's own record of the order, read back, agrees.", Errors: []int{400, 401, 404, 409, 413, 422, 503}},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ans, err := s.telrAdvice(w, r, cfg, x, deps, logger)
			s.answerWebhook(w, r, ans, err)
		}))
}

func (s *server) answerWebhook(w http.ResponseWriter, r *http.Request, ans WebhookAnswer, err error) {
	if err != nil {
		s.webhookFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

func (s *server) paytabsCallback(w http.ResponseWriter, r *http.Request, key string, x *refs, deps paycmd.Deps, logger *slog.Logger) (WebhookAnswer, error) {
	body, err := readWebhook(w, r)
	if err != nil {
		return WebhookAnswer{}, err
	}
	if err := paytabs.Verify(body, r.Header.Get(paytabs.SignatureHeader), key); err != nil {
		return WebhookAnswer{}, unsigned(CodeWebhookSignature, "the Signature does not match this body", err)
	}
	ev, err := paytabs.Parse(body)
	if err != nil {
		return WebhookAnswer{}, malformed("the body is not a PayTabs transaction souq can read", err)
	}
	ans := WebhookAnswer{EventID: ev.TranRef}
	if len(ev.Actions) == 0 {
		logger.Info("paytabs callback acknowledged, not recorded", slog.String("tran_ref", ev.TranRef), slog.String("tran_type", ev.TranType), slog.String("status", ev.Status()))
		ans.Ignored = true
		return ans, nil
	}
	meta := providerMeta(paytabs.Provider, ev.TranRef)
	for _, a := range ev.Actions {
		id, ok, err := x.payment(r.Context(), paytabs.Provider, a.Ref)
		if err != nil {
			return WebhookAnswer{}, err
		}
		if !ok {
			return WebhookAnswer{}, unknownRef("no payment has the PayTabs reference %s", a.Ref)
		}
		if err := applyAction(r.Context(), deps, id, a, meta, &ans); err != nil {
			return WebhookAnswer{}, fmt.Errorf("writeapi: paytabs %s (%s) on payment %s: %w", ev.TranRef, a.Kind, id, err)
		}
	}
	return ans, nil
}

// telrAdvice reads the payment from the advice's cart ID, reads the order
// back from Telr by the reference souq recorded, and records what Telr's
// answer says; an advice it contradicts is refused.
func (s *server) telrAdvice(w http.ResponseWriter, r *http.Request, cfg GulfWebhooks, x *refs, deps paycmd.Deps, logger *slog.Logger) (WebhookAnswer, error) {
	ctx := r.Context()
	body, err := readWebhook(w, r)
	if err != nil {
		return WebhookAnswer{}, err
	}
	if cfg.Telr == nil || cfg.TelrStore == "" {
		return WebhookAnswer{}, unsigned(CodeWebhookSignature, "Telr is not configured here", nil)
	}
	a, err := telr.ParseAdvice(body)
	if err != nil {
		return WebhookAnswer{}, malformed("the body is not a Telr transaction advice souq can read", err)
	}
	id, _ := telr.PaymentOf(a.CartID)
	p, err := currentPayment(ctx, deps.Exec, id)
	if err != nil {
		return WebhookAnswer{}, err
	}
	// The payment must be Telr's: its reference recorded as Telr's.
	known := p.Status() != payment.StatusNone
	if known {
		owner, ok, err := x.payment(ctx, telr.Provider, p.ProviderRef())
		if err != nil {
			return WebhookAnswer{}, err
		}
		known = ok && owner == id
	}
	if !known {
		return WebhookAnswer{}, unknownRef("no Telr payment has the cart ID %s", a.CartID)
	}
	o, err := cfg.Telr.Check(ctx, p.ProviderRef())
	if err != nil {
		return WebhookAnswer{}, fmt.Errorf("writeapi: telr: check order %s of payment %s: %w", p.ProviderRef(), id, err)
	}
	if err := telr.Confirm(a, cfg.TelrStore, o); err != nil {
		return WebhookAnswer{}, unsigned(CodeWebhookSignature, "the advice does not match Telr's record of the order", err)
	}
	ans := WebhookAnswer{EventID: a.Ref}
	actions, err := telr.Actions(o)
	if err != nil {
		return WebhookAnswer{}, malformed("Telr's record of the order is not one souq can read", err)
	}
	if !a.Initial() || len(actions) == 0 {
		logger.Info("telr advice acknowledged, not recorded", slog.String("tran_ref", a.Ref), slog.String("tran_type", a.Type), slog.String("order_status", o.Status.Text))
		ans.Ignored = true
		return ans, nil
	}
	meta := providerMeta(telr.Provider, a.Ref)
	for _, act := range actions {
		if err := applyAction(ctx, deps, id, act, meta, &ans); err != nil {
			return WebhookAnswer{}, fmt.Errorf("writeapi: telr %s (%s) on payment %s: %w", a.Ref, act.Kind, id, err)
		}
	}
	return ans, nil
}

func providerMeta(provider, ref string) commands.Meta {
	return commands.Meta{CausationID: provider + ":" + ref, Actor: eventstore.Actor{UserID: provider, Role: providerActorRole}}
}

// applyAction runs one provider fact as its payment command, keyed by the
// fact (the command ID derives from it), and counts it in ans.
func applyAction(ctx context.Context, d paycmd.Deps, id domain.PaymentID, a psp.Action, meta commands.Meta, ans *WebhookAnswer) error {
	pe := payment.ProviderEvent{EventID: a.Key, ProviderRef: a.Ref}
	var res commands.Result
	var err error
	switch a.Kind {
	case psp.Authorize:
		res, err = paycmd.Authorize{Deps: d}.Handle(ctx, paycmd.For[payment.Authorize]{PaymentID: id, Cmd: payment.Authorize{Event: pe, Amount: a.Amount}}, meta)
	case psp.Capture:
		res, err = paycmd.Capture{Deps: d}.Handle(ctx, paycmd.For[payment.Capture]{PaymentID: id, Cmd: payment.Capture{Event: pe, Amount: a.Amount}}, meta)
	case psp.Fail:
		res, err = paycmd.Fail{Deps: d}.Handle(ctx, paycmd.For[payment.Fail]{PaymentID: id, Cmd: payment.Fail{Event: pe, Code: a.Code, Reason: a.Reason}}, meta)
	case psp.Cancel:
		res, err = paycmd.Cancel{Deps: d}.Handle(ctx, paycmd.For[payment.Cancel]{PaymentID: id, Cmd: payment.Cancel{Event: pe, Reason: a.Reason}}, meta)
	case psp.Refund:
		res, err = paycmd.Refund{Deps: d}.Handle(ctx, paycmd.For[payment.Refund]{PaymentID: id, Cmd: payment.Refund{RefundID: a.RefundID, Event: pe, Amount: a.Amount, Reason: a.Reason}}, meta)
	default:
		err = &httpx.Error{Kind: httpx.KindInternal, Code: "webhook.unmapped_action", Detail: string(a.Kind)}
	}
	if err != nil {
		return err
	}
	ans.Applied++
	if !res.Replayed {
		ans.Recorded += res.Events
	}
	ans.Position = max(ans.Position, res.Position)
	return nil
}
