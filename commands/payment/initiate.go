package payment

import (
	"context"
	"fmt"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/payment"
)

// Initiation starts one payment attempt.
type Initiation struct {
	PaymentID  domain.PaymentID
	OrderID    domain.OrderID
	CustomerID domain.CustomerID
	Method     payment.Method
	Amount     domain.Money
}

// Initiated is where the attempt landed, and what the client needs to
// complete a card payment.
type Initiated struct {
	commands.Result
	ProviderRef  string
	ClientSecret string
}

// Provider names of the payments souq settles itself.
const (
	ProviderWallet = "souq-wallet"
	ProviderCOD    = "souq-cod"
)

// Initiate starts a payment. A card payment is first created at the
// gateway, keyed by the payment ID, so a retried command gets the same
// provider payment back; wallet and cash-on-delivery payments are settled by
// souq (a wallet hold, the carrier's collection) and get a reference of
// their own. Initiating an initiated payment again with the same amount is a
// retry; with another amount it is refused by the domain.
type Initiate struct {
	Deps
	Gateway Gateway
}

// Handle runs the command.
func (h Initiate) Handle(ctx context.Context, cmd Initiation, meta commands.Meta) (Initiated, error) {
	stream, err := commands.PaymentStream(cmd.PaymentID)
	if err != nil {
		return Initiated{}, err
	}
	current, err := commands.Decide(ctx, h.Exec, commands.Step[*payment.Payment]{
		Stream: stream,
		New:    func() *payment.Payment { return payment.New(cmd.PaymentID) },
		Decide: func(*payment.Payment) error { return nil },
	})
	if err != nil {
		return Initiated{}, err
	}
	provider, started := "", Started{}
	switch {
	case current.Status() != payment.StatusNone:
		// The domain decides: the same amount is a retry, another a refusal;
		// it ignores the provider name then.
		provider, started.ProviderRef = "retry", current.ProviderRef()
	case cmd.Method == payment.Card:
		// Check the command before asking the provider for anything, on the
		// state just loaded (no payment yet) rather than on a second read: a
		// concurrent copy of this command that stored the payment in between
		// would make the placeholder reference look like another payment's
		// and refuse a faithful retry as payment.already_initiated. The
		// gateway is keyed by the payment ID, so that copy and this one get
		// the same reference, and the append below finds the copy's events
		// (a replay) or the same reference and amount (nothing to write).
		if err := h.step(stream, cmd, h.Gateway.Provider(), "pending", h.Now()).Decide(current); err != nil {
			return Initiated{}, err
		}
		started, err = h.Gateway.Start(ctx, StartRequest{Key: string(cmd.PaymentID), PaymentID: cmd.PaymentID, OrderID: cmd.OrderID, CustomerID: cmd.CustomerID, Amount: cmd.Amount})
		if err != nil {
			return Initiated{}, fmt.Errorf("payment: start %s at %s: %w", cmd.PaymentID, h.Gateway.Provider(), err)
		}
		provider = h.Gateway.Provider()
	case cmd.Method == payment.Wallet:
		provider, started.ProviderRef = ProviderWallet, "wallet:"+string(cmd.PaymentID)
	default:
		provider, started.ProviderRef = ProviderCOD, "cod:"+string(cmd.PaymentID)
	}
	res, err := commands.Execute(ctx, h.Exec, meta, h.step(stream, cmd, provider, started.ProviderRef, h.Now()))
	if err != nil {
		return Initiated{}, err
	}
	return Initiated{Result: res, ProviderRef: started.ProviderRef, ClientSecret: started.ClientSecret}, nil
}

func (h Initiate) step(stream string, cmd Initiation, provider, ref string, now time.Time) commands.Step[*payment.Payment] {
	return commands.Step[*payment.Payment]{
		Stream: stream,
		New:    func() *payment.Payment { return payment.New(cmd.PaymentID) },
		Decide: func(p *payment.Payment) error {
			return p.Initiate(payment.Initiate{OrderID: cmd.OrderID, CustomerID: cmd.CustomerID, Method: cmd.Method, Provider: provider, ProviderRef: ref, Amount: cmd.Amount}, now)
		},
	}
}
