package writeapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/souq-market/souq/commands"
	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/httpx"
	istripe "github.com/souq-market/souq/internal/stripe"
)

// stripeWebhook verifies a Stripe event on its raw body, maps it to
// payment commands and runs them. Each command's ID derives from the
// payment and the fact's key, so any number of deliveries, in any order,
// record each fact once; the answer is 200 once the commands are durably
// recorded (or found already recorded). Types souq does not record are
// acknowledged and logged.
func (s *server) stripeWebhook(secret string, x *refs, logger *slog.Logger) http.Handler {
	deps := paycmd.Deps{Exec: s.exec, Now: s.now}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ans, err := s.stripeEvent(r, w, secret, x, deps, logger)
		if err != nil {
			s.webhookFail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, ans)
	})
}

func (s *server) stripeEvent(r *http.Request, w http.ResponseWriter, secret string, x *refs, deps paycmd.Deps, logger *slog.Logger) (WebhookAnswer, error) {
	ctx := r.Context()
	body, err := readWebhook(w, r)
	if err != nil {
		return WebhookAnswer{}, err
	}
	if err := istripe.Verify(body, r.Header.Get("Stripe-Signature"), secret, istripe.Tolerance); err != nil {
		if errors.Is(err, istripe.ErrExpired) {
			return WebhookAnswer{}, unsigned(CodeWebhookExpired, "the Stripe-Signature timestamp is older than 300 s", err)
		}
		return WebhookAnswer{}, unsigned(CodeWebhookSignature, "the Stripe-Signature does not match this body", err)
	}
	ev, err := istripe.Parse(body)
	if err != nil {
		return WebhookAnswer{}, malformed("the body is not a Stripe event souq can read", err)
	}
	ans := WebhookAnswer{EventID: ev.ID}
	if len(ev.Actions) == 0 {
		logger.Info("stripe event acknowledged, not recorded", slog.String("event_id", ev.ID), slog.String("type", ev.Type))
		ans.Ignored = true
		return ans, nil
	}
	meta := commands.Meta{CausationID: ev.ID, Actor: eventstore.Actor{UserID: istripe.Provider, Role: providerActorRole}}
	for _, a := range ev.Actions {
		id, ok, err := x.payment(ctx, istripe.Provider, a.PaymentIntent)
		if err != nil {
			return WebhookAnswer{}, err
		}
		if !ok {
			return WebhookAnswer{}, unknownRef("no payment has the Stripe reference %s", a.PaymentIntent)
		}
		res, err := applyStripe(ctx, deps, id, a, meta)
		if err != nil {
			return WebhookAnswer{}, fmt.Errorf("writeapi: stripe %s (%s) on payment %s: %w", ev.ID, a.Kind, id, err)
		}
		ans.Applied++
		if !res.Replayed {
			ans.Recorded += res.Events
		}
		ans.Position = max(ans.Position, res.Position)
	}
	return ans, nil
}

// applyStripe runs one action as its payment command.
func applyStripe(ctx context.Context, d paycmd.Deps, id domain.PaymentID, a istripe.Action, meta commands.Meta) (commands.Result, error) {
	pe := payment.ProviderEvent{EventID: a.Key, ProviderRef: a.PaymentIntent}
	switch a.Kind {
	case istripe.RequireAction:
		return paycmd.RequireAction{Deps: d}.Handle(ctx, paycmd.For[payment.RequireAction]{PaymentID: id, Cmd: payment.RequireAction{Event: pe}}, meta)
	case istripe.Authorize:
		return paycmd.Authorize{Deps: d}.Handle(ctx, paycmd.For[payment.Authorize]{PaymentID: id, Cmd: payment.Authorize{Event: pe, Amount: a.Amount}}, meta)
	case istripe.Capture:
		return paycmd.Capture{Deps: d}.Handle(ctx, paycmd.For[payment.Capture]{PaymentID: id, Cmd: payment.Capture{Event: pe, Amount: a.Amount}}, meta)
	case istripe.Fail:
		return paycmd.Fail{Deps: d}.Handle(ctx, paycmd.For[payment.Fail]{PaymentID: id, Cmd: payment.Fail{Event: pe, Code: a.Code, Reason: a.Reason}}, meta)
	case istripe.Cancel:
		// With a provider event the handler only records: no gateway call.
		return paycmd.Cancel{Deps: d}.Handle(ctx, paycmd.For[payment.Cancel]{PaymentID: id, Cmd: payment.Cancel{Event: pe, Reason: a.Reason}}, meta)
	case istripe.Refund:
		return paycmd.Refund{Deps: d}.Handle(ctx, paycmd.For[payment.Refund]{PaymentID: id, Cmd: payment.Refund{RefundID: a.RefundID, Event: pe, Amount: a.Amount, Reason: a.Reason}}, meta)
	case istripe.RefundedTotal:
		// The charge's refunded total without its refunds: what souq has
		// not recorded yet is one refund named after that total.
		p, err := currentPayment(ctx, d.Exec, id)
		if err != nil {
			return commands.Result{}, err
		}
		missing := a.Amount.Amount() - p.Refunded().Amount()
		if missing <= 0 {
			stream, _ := commands.PaymentStream(id)
			return commands.Result{Stream: stream}, nil
		}
		m, err := domain.New(missing, a.Amount.Currency())
		if err != nil {
			return commands.Result{}, err
		}
		return paycmd.Refund{Deps: d}.Handle(ctx, paycmd.For[payment.Refund]{PaymentID: id, Cmd: payment.Refund{RefundID: a.Key, Event: pe, Amount: m}}, meta)
	case istripe.Chargeback:
		return paycmd.Chargeback{Deps: d}.Handle(ctx, paycmd.For[payment.Chargeback]{PaymentID: id, Cmd: payment.Chargeback{Event: pe, Amount: a.Amount, Reason: a.Reason}}, meta)
	}
	return commands.Result{}, &httpx.Error{Kind: httpx.KindInternal, Code: "webhook.unmapped_action", Detail: string(a.Kind)}
}

func currentPayment(ctx context.Context, x *commands.Executor, id domain.PaymentID) (*payment.Payment, error) {
	stream, err := commands.PaymentStream(id)
	if err != nil {
		return nil, err
	}
	return commands.Decide(ctx, x, commands.Step[*payment.Payment]{Stream: stream,
		New: func() *payment.Payment { return payment.New(id) }, Decide: func(*payment.Payment) error { return nil }})
}
