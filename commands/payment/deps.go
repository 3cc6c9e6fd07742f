package payment

import (
	"context"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/payment"
)

// Deps are what every handler here needs: the executor, and a clock
// injected so tests and replays decide at a time of their choosing.
type Deps struct {
	Exec *commands.Executor
	Now  func() time.Time
}

// For addresses a domain command to one payment attempt.
type For[C any] struct {
	PaymentID domain.PaymentID
	Cmd       C
}

// run is every handler's body: load the stream, let the aggregate decide at
// now, append what it raised.
func (d Deps) run(ctx context.Context, meta commands.Meta, id domain.PaymentID, decide func(*payment.Payment, time.Time) error) (commands.Result, error) {
	stream, err := commands.PaymentStream(id)
	if err != nil {
		return commands.Result{}, err
	}
	now := d.Now()
	return commands.Execute(ctx, d.Exec, meta, commands.Step[*payment.Payment]{
		Stream: stream,
		New:    func() *payment.Payment { return payment.New(id) },
		Decide: func(a *payment.Payment) error { return decide(a, now) },
	})
}

// fromProvider gives a provider notification without a command ID of its
// own the one derived from the payment and the provider's event ID: every
// delivery of the same webhook is then the same command, written at most
// once even when deliveries race (the domain also ignores a provider event
// it has seen, for deliveries that come with their own command IDs).
func fromProvider(meta commands.Meta, id domain.PaymentID, eventID string) commands.Meta {
	if meta.CommandID == "" && eventID != "" {
		meta.CommandID = commands.DeriveID("provider-event:"+string(id), eventID)
	}
	return meta
}

// dryRun decides without appending, to check a command before the gateway
// is asked to act on it.
func (d Deps) dryRun(ctx context.Context, id domain.PaymentID, decide func(*payment.Payment, time.Time) error) (*payment.Payment, error) {
	stream, err := commands.PaymentStream(id)
	if err != nil {
		return nil, err
	}
	now := d.Now()
	return commands.Decide(ctx, d.Exec, commands.Step[*payment.Payment]{
		Stream: stream,
		New:    func() *payment.Payment { return payment.New(id) },
		Decide: func(a *payment.Payment) error { return decide(a, now) },
	})
}
