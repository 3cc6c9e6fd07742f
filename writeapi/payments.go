package writeapi

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/souq-market/souq/commands"
	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/commands/process"
	walletcmd "github.com/souq-market/souq/commands/wallet"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
)

// paymentRoutes: staff refund and cancel payments and end wallet holds by
// hand; a customer reads the payment session of their own order.
func (s *server) paymentRoutes() {
	pay := paycmd.Deps{Exec: s.exec, Now: s.now}
	wal := walletcmd.Deps{Exec: s.exec, Now: s.now}
	paymentStream := func(ctx context.Context, c *call) (string, error) {
		_, stream, err := s.payment(ctx, c.vars["id"])
		return stream, err
	}
	handle(s, route[*refundReq]{
		op: httpx.Operation{Method: "POST", Path: "/v1/payments/{id}/refunds", ID: "refundPayment", Tag: "payments", Status: 201,
			Summary: "Return captured money (admins only): never more than captured less refunded (409 payment.refund_exceeds_capture); a card refund goes through the gateway first, keyed by refund_id."},
		roles: staffRoles, body: func() *refundReq { return &refundReq{} },
		target: func(ctx context.Context, c *call, _ *refundReq) (string, error) { return paymentStream(ctx, c) },
		run: func(ctx context.Context, c *call, r *refundReq) (commands.Result, error) {
			return paycmd.Refund{Deps: pay, Gateway: s.gateway}.Handle(ctx, paycmd.For[payment.Refund]{PaymentID: domain.PaymentID(c.vars["id"]),
				Cmd: payment.Refund{RefundID: r.RefundID, Amount: r.money, Reason: r.Reason}}, c.meta)
		},
	})
	handle(s, route[*reasonReq]{
		op: httpx.Operation{Method: "POST", Path: "/v1/payments/{id}/cancel", ID: "cancelPayment", Tag: "payments",
			Summary: "Void a payment that captured nothing (admins only); a card payment is voided at the gateway first. One that captured is refunded instead (409)."},
		roles: staffRoles, body: func() *reasonReq { return &reasonReq{} },
		target: func(ctx context.Context, c *call, _ *reasonReq) (string, error) { return paymentStream(ctx, c) },
		run: func(ctx context.Context, c *call, r *reasonReq) (commands.Result, error) {
			return paycmd.Cancel{Deps: pay, Gateway: s.gateway}.Handle(ctx, paycmd.For[payment.Cancel]{PaymentID: domain.PaymentID(c.vars["id"]),
				Cmd: payment.Cancel{Reason: r.Reason}}, c.meta)
		},
	})
	// Ending a hold by hand: post spends it, void gives it back; ending it
	// the same way again is a retry, the other way 409.
	for _, end := range []struct {
		verb, id, summary string
		run               func(ctx context.Context, w domain.WalletID, h wallet.HoldID, meta commands.Meta) (commands.Result, error)
	}{
		{"post", "postWalletHold", "Spend a pending hold (admins only).", func(ctx context.Context, w domain.WalletID, h wallet.HoldID, meta commands.Meta) (commands.Result, error) {
			return walletcmd.PostHold{Deps: wal}.Handle(ctx, walletcmd.For[wallet.PostHold]{WalletID: w, Cmd: wallet.PostHold{HoldID: h}}, meta)
		}},
		{"void", "voidWalletHold", "Give a pending hold back (admins only).", func(ctx context.Context, w domain.WalletID, h wallet.HoldID, meta commands.Meta) (commands.Result, error) {
			return walletcmd.VoidHold{Deps: wal}.Handle(ctx, walletcmd.For[wallet.VoidHold]{WalletID: w, Cmd: wallet.VoidHold{HoldID: h}}, meta)
		}},
	} {
		handle(s, route[*emptyReq]{
			op: httpx.Operation{Method: "POST", Path: "/v1/wallets/{id}/holds/{hold}/" + end.verb, ID: end.id, Tag: "wallets",
				Summary: end.summary + " Ending it the same way again is a retry; the other way, 409 wallet.hold_ended."},
			roles: staffRoles, body: func() *emptyReq { return &emptyReq{} },
			target: func(ctx context.Context, c *call, _ *emptyReq) (string, error) {
				_, stream, err := s.wallet(ctx, c.vars["id"])
				return stream, err
			},
			run: func(ctx context.Context, c *call, _ *emptyReq) (commands.Result, error) {
				return end.run(ctx, domain.WalletID(c.vars["id"]), wallet.HoldID(c.vars["hold"]), c.meta)
			},
		})
	}
	s.paymentSession()
}

// Session is the answer of GET /v1/orders/{id}/payment.
type Session struct {
	OrderID   domain.OrderID   `json:"order_id"`
	PaymentID domain.PaymentID `json:"payment_id"`
	Method    payment.Method   `json:"method"`
	Provider  string           `json:"provider"`
	Status    payment.Status   `json:"status"`
	Amount    domain.Money     `json:"amount"`
	// ClientSecret completes a card payment in the browser (Stripe.js
	// confirms with it, or runs 3-D Secure); only while the payment
	// waits for the customer.
	ClientSecret string `json:"client_secret,omitempty"`
}

// paymentSession answers the payment of the caller's own order: checkout
// starts it after order.placed, so POST /v1/orders cannot; the client
// polls this until the payment exists, then completes it with the
// client secret, fetched from the gateway each time (never stored).
func (s *server) paymentSession() {
	op := httpx.Operation{Method: "GET", Path: "/v1/orders/{id}/payment", ID: "orderPayment", Tag: "orders",
		Summary: "The payment of your own order: its status and, while it waits for you, the client secret that completes it (404 until checkout started it).",
		Errors:  []int{401, 403, 404, 503}}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ses, err := s.session(r.Context(), r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, ses)
	})
	s.api.Handle(op, auth.Require(s.verifier, s.api.Renderer(), auth.Customer)(h))
}

func (s *server) session(ctx context.Context, r *http.Request) (Session, error) {
	a, _ := auth.From(ctx)
	id := mux.Vars(r)["id"]
	o, _, err := s.order(ctx, id)
	if err != nil {
		return Session{}, err
	}
	if string(o.Customer()) != a.UserID {
		return Session{}, forbidden("order %s is not yours", id)
	}
	pid := process.PaymentID(o.ID())
	p, _, err := s.payment(ctx, string(pid))
	if err != nil {
		return Session{}, err
	}
	ses := Session{OrderID: o.ID(), PaymentID: pid, Method: p.Method(), Provider: p.Provider(), Status: p.Status(), Amount: p.Amount()}
	waiting := p.Status() == payment.StatusInitiated || p.Status() == payment.StatusRequiresAction
	if p.Method() == payment.Card && waiting && p.Provider() == s.gateway.Provider() {
		started, err := s.gateway.Session(ctx, p.ProviderRef())
		if err != nil {
			return Session{}, err
		}
		ses.ClientSecret = started.ClientSecret
	}
	return ses, nil
}

// payment loads a payment to check it exists; 404 when it has no events.
func (s *server) payment(ctx context.Context, id string) (*payment.Payment, string, error) {
	stream, err := commands.PaymentStream(domain.PaymentID(id))
	if err != nil {
		return nil, "", err
	}
	p, err := existing(ctx, s.exec, stream, func() *payment.Payment { return payment.New(domain.PaymentID(id)) },
		domain.Errorf(domain.NotFound, payment.CodeNotInitiated, "no payment %s", id))
	return p, stream, err
}

type refundReq struct {
	RefundID string   `json:"refund_id"`
	Amount   *moneyIn `json:"amount"`
	Reason   string   `json:"reason"`
	money    domain.Money
}

func (r *refundReq) validate(v *domain.Validation) {
	v.ID("refund_id", r.RefundID)
	r.money = r.Amount.money(v, "amount", true)
	v.OptionalText("reason", r.Reason, 500)
}

// noGateway stands in when no card gateway is configured: card refunds and
// voids are refused as unavailable, wallet and cash payments still served.
type noGateway struct{}

func (noGateway) Provider() string { return "" }
func (noGateway) Start(context.Context, paycmd.StartRequest) (paycmd.Started, error) {
	return paycmd.Started{}, errNoGateway()
}
func (noGateway) Refund(context.Context, paycmd.RefundRequest) error { return errNoGateway() }
func (noGateway) Cancel(context.Context, paycmd.CancelRequest) error { return errNoGateway() }
func (noGateway) Session(context.Context, string) (paycmd.Started, error) {
	return paycmd.Started{}, errNoGateway()
}

func errNoGateway() error {
	return domain.Errorf(domain.Unavailable, "payment.no_gateway", "no card gateway is configured on this server")
}
