package payment

import (
	"context"

	"github.com/souq-market/souq/domain"
)

// Gateway is the port to a card payment provider (Stripe, Telr, PayTabs, the
// sandbox). Every call carries an idempotency key, so a command retried
// after a lost answer never charges, refunds or cancels twice: the provider
// answers the repeat with the first result. Outcomes (authorized, captured,
// failed) come back later as provider events, through the webhook handlers
// here (Authorize, Capture, Fail …), not as return values.
type Gateway interface {
	// Provider is the name recorded on payments, such as "stripe".
	Provider() string
	// Start creates the provider's payment for an amount.
	Start(ctx context.Context, req StartRequest) (Started, error)
	// Refund returns captured money.
	Refund(ctx context.Context, req RefundRequest) error
	// Cancel voids a payment that captured nothing.
	Cancel(ctx context.Context, req CancelRequest) error
	// Session fetches again what the client needs to complete a started
	// payment (Started.ClientSecret), by its provider reference: souq keeps
	// client secrets out of its events, so the provider is asked each time.
	Session(ctx context.Context, providerRef string) (Started, error)
}

// StartRequest asks the provider to collect Amount for an order.
type StartRequest struct {
	Key        string // idempotency key: the payment ID
	PaymentID  domain.PaymentID
	OrderID    domain.OrderID
	CustomerID domain.CustomerID
	Amount     domain.Money
}

// Started is the provider's payment: its reference, and what the client
// needs to complete it (a Stripe client secret, a redirect URL).
type Started struct {
	ProviderRef  string
	ClientSecret string
}

// RefundRequest returns Amount of a captured payment.
type RefundRequest struct {
	Key         string // idempotency key: the refund ID
	ProviderRef string
	Amount      domain.Money
	Reason      string
}

// CancelRequest voids a payment.
type CancelRequest struct {
	Key         string // idempotency key
	ProviderRef string
	Reason      string
}
