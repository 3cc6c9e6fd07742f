package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/souq-market/souq/commands"
	paycmd "github.com/souq-market/souq/commands/payment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/eventstore"
)

// Provider is the name recorded on the sandbox's payments.
const Provider = "sandbox"

// The magic values that make the sandbox decline.
const (
	DeclineAmount = 666
	DeclinePrefix = "sandbox-decline"
	// DeclineCode is the failure code recorded on a declined payment.
	DeclineCode = "card_declined"
)

// Options configure a Gateway; Exec is required.
type Options struct {
	Exec *commands.Executor
	Now  func() time.Time
	// Delay before a started payment settles; default 200ms.
	Delay time.Duration
	// Attempts at recording a settlement before giving up (the payment
	// may not be recorded yet when the delay is short); default 20, spaced
	// by a backoff from 10ms doubling to 1s.
	Attempts int
	Logger   *slog.Logger
}

// Gateway is the sandbox provider. Close it to stop pending settlements.
type Gateway struct {
	opts   Options
	ctx    context.Context
	stop   context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	starts map[string]paycmd.Started // by idempotency key
	voided map[string]bool           // provider refs cancelled before settling
	closed bool
}

// New returns a sandbox gateway issuing its settlements through opts.Exec.
func New(opts Options) *Gateway {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Delay <= 0 {
		opts.Delay = 200 * time.Millisecond
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Gateway{opts: opts, ctx: ctx, stop: stop, starts: map[string]paycmd.Started{}, voided: map[string]bool{}}
}

// Provider is "sandbox".
func (g *Gateway) Provider() string { return Provider }

// Declines reports whether the sandbox declines a payment.
func Declines(req paycmd.StartRequest) bool {
	return req.Amount.Amount() == DeclineAmount || strings.HasPrefix(string(req.CustomerID), DeclinePrefix)
}

// Start creates the payment and schedules its settlement; the same key
// again returns the first answer and schedules nothing.
func (g *Gateway) Start(_ context.Context, req paycmd.StartRequest) (paycmd.Started, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if s, ok := g.starts[req.Key]; ok {
		return s, nil
	}
	if g.closed {
		return paycmd.Started{}, domain.Errorf(domain.Unavailable, "sandbox.closed", "the sandbox gateway is closed")
	}
	s := paycmd.Started{ProviderRef: refPrefix + req.Key, ClientSecret: secretPrefix + req.Key}
	g.starts[req.Key] = s
	g.wg.Go(func() { g.settle(req, s.ProviderRef) })
	return s, nil
}

// The sandbox's references and client secrets derive from the start's key,
// so a session is answered after a restart too.
const (
	refPrefix    = "sbx_"
	secretPrefix = "sbx_secret_"
)

// Session answers the client secret of a payment the sandbox started.
func (g *Gateway) Session(_ context.Context, ref string) (paycmd.Started, error) {
	key, ok := strings.CutPrefix(ref, refPrefix)
	if !ok || key == "" {
		return paycmd.Started{}, domain.Errorf(domain.NotFound, "sandbox.unknown_reference", "the sandbox started no payment %q", ref)
	}
	return paycmd.Started{ProviderRef: ref, ClientSecret: secretPrefix + key}, nil
}

// Refund succeeds: souq records the refund itself.
func (g *Gateway) Refund(context.Context, paycmd.RefundRequest) error { return nil }

// Cancel stops a pending settlement.
func (g *Gateway) Cancel(_ context.Context, req paycmd.CancelRequest) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.voided[req.ProviderRef] = true
	return nil
}

// Close stops pending settlements and waits for them.
func (g *Gateway) Close() error {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.stop()
	g.wg.Wait()
	return nil
}

func (g *Gateway) isVoided(ref string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.voided[ref]
}

// settle waits the delay, then records what the provider's webhooks would.
func (g *Gateway) settle(req paycmd.StartRequest, ref string) {
	if sleep(g.ctx, g.opts.Delay) != nil {
		return
	}
	deps := paycmd.Deps{Exec: g.opts.Exec, Now: g.opts.Now}
	meta := commands.Meta{Actor: eventstore.Actor{UserID: "provider:" + Provider, Role: "system"}}
	ev := func(what string) payment.ProviderEvent {
		return payment.ProviderEvent{EventID: ref + ":" + what, ProviderRef: ref}
	}
	var steps []func(context.Context) error
	if Declines(req) {
		steps = append(steps, func(ctx context.Context) error {
			_, err := paycmd.Fail{Deps: deps}.Handle(ctx, paycmd.For[payment.Fail]{PaymentID: req.PaymentID,
				Cmd: payment.Fail{Event: ev("failed"), Code: DeclineCode, Reason: "declined by the sandbox"}}, meta)
			return err
		})
	} else {
		steps = append(steps, func(ctx context.Context) error {
			_, err := paycmd.Authorize{Deps: deps}.Handle(ctx, paycmd.For[payment.Authorize]{PaymentID: req.PaymentID,
				Cmd: payment.Authorize{Event: ev("authorized"), Amount: req.Amount}}, meta)
			return err
		}, func(ctx context.Context) error {
			_, err := paycmd.Capture{Deps: deps}.Handle(ctx, paycmd.For[payment.Capture]{PaymentID: req.PaymentID,
				Cmd: payment.Capture{Event: ev("captured"), Amount: req.Amount}}, meta)
			return err
		})
	}
	for _, step := range steps {
		if err := g.retry(ref, step); err != nil {
			if g.ctx.Err() == nil {
				g.opts.Logger.Warn("sandbox settlement stopped", "payment_id", req.PaymentID, "provider_ref", ref, "err", err)
			}
			return
		}
	}
}

// retry runs a step until it succeeds, is refused for good, or attempts
// run out. "Not initiated" is retried: Start answers before the payment is
// recorded.
func (g *Gateway) retry(ref string, step func(context.Context) error) error {
	return retry(g.ctx, g.opts.Attempts, func(ctx context.Context) error {
		if g.isVoided(ref) {
			return errVoided
		}
		return step(ctx)
	}, func(err error) bool { return errors.Is(err, errVoided) || refusal(err, payment.CodeNotInitiated) })
}

var errVoided = errors.New("cancelled before settling")

// refusal reports whether err is a domain refusal, to be retried only when
// its code is one of retried. Internal failures, concurrency conflicts and
// errors that are not the domain's (a store hiccup) are not refusals.
func refusal(err error, retried ...string) bool {
	var de *domain.Error
	return errors.As(err, &de) && de.Kind != domain.Internal && de.Code != commands.CodeConcurrencyConflict && !slices.Contains(retried, de.Code)
}

// retry runs step until it succeeds, fails for good (final says so) or
// attempts run out, backing off from 10ms doubling to 1s.
func retry(ctx context.Context, attempts int, step func(context.Context) error, final func(error) bool) error {
	wait := 10 * time.Millisecond
	var err error
	for range attempts {
		if err = step(ctx); err == nil {
			return nil
		}
		if final(err) {
			return err
		}
		if e := sleep(ctx, wait); e != nil {
			return e
		}
		wait = min(2*wait, time.Second)
	}
	return fmt.Errorf("gave up after %d attempts: %w", attempts, err)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
