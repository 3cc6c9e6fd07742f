package process

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/souq-market/souq/commands"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/eventstore"
)

// Manager is one process manager: a consumer of events, in global order,
// that may issue commands. Name is its checkpoint key and must never change.
// Handle may see an event again (at-least-once delivery): it must be, and
// is, harmless.
type Manager interface {
	Name() string
	Handle(ctx context.Context, events []eventstore.RecordedEvent) error
}

// Role is the actor role recorded on every command a manager issues.
const Role = "system"

// Deps are what every manager needs: the executor its commands run on, a
// clock, and a logger.
type Deps struct {
	Exec   *commands.Executor
	Now    func() time.Time
	Logger *slog.Logger
}

func (d Deps) withDefaults() Deps {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return d
}

// decode turns a recorded event into its domain event; ok is false for an
// event this registry does not know (it is not the manager's business).
func (d Deps) decode(r eventstore.RecordedEvent) (domain.Event, error) {
	v, err := d.Exec.Registry().DecodeRecorded(r)
	if err != nil {
		return nil, fmt.Errorf("process: decode %s at %d: %w", r.Type, r.Position, err)
	}
	e, ok := v.(domain.Event)
	if !ok {
		return nil, fmt.Errorf("process: %s decodes to %T, not a domain event", r.Type, v)
	}
	return e, nil
}

// Meta is the metadata of a command a manager issues because of an event:
// its ID derives from the event and the step's purpose, its causation is the
// event, its correlation the conversation the event belongs to.
func Meta(manager string, cause eventstore.RecordedEvent, purpose string) commands.Meta {
	corr := cause.Metadata.CorrelationID
	if corr == "" {
		corr = cause.Metadata.CommandID
	}
	if corr == "" {
		corr = cause.ID
	}
	return commands.Meta{
		CommandID:     commands.DeriveID(cause.ID, purpose),
		CorrelationID: corr,
		CausationID:   cause.ID,
		Actor:         eventstore.Actor{UserID: "process:" + manager, Role: Role},
	}
}

// load reads an aggregate's current state without deciding anything.
func load[A commands.Aggregate](ctx context.Context, x *commands.Executor, stream string, fresh func() A) (A, error) {
	return commands.Decide(ctx, x, commands.Step[A]{Stream: stream, New: fresh, Decide: func(A) error { return nil }})
}

// loadOrder reads an order's current state.
func loadOrder(ctx context.Context, x *commands.Executor, id domain.OrderID) (*order.Order, error) {
	stream, err := commands.OrderStream(id)
	if err != nil {
		return nil, err
	}
	return load(ctx, x, stream, func() *order.Order { return order.New(id) })
}

// refusal returns the domain's refusal in err: a decision that will be the
// same when repeated (stock taken, insufficient funds, a hold that ended).
// Internal errors, unavailable dependencies and the executor giving up on
// contention are not refusals: the step is retried on redelivery.
func refusal(err error) (*domain.Error, bool) {
	e, ok := errors.AsType[*domain.Error](err)
	if !ok || e.Kind == domain.Internal || e.Kind == domain.Unavailable || e.Kind == domain.RateLimited || e.Code == commands.CodeConcurrencyConflict {
		return nil, false
	}
	return e, true
}

// refusedWith reports whether err is a refusal coded one of codes.
func refusedWith(err error, codes ...string) bool {
	e, ok := refusal(err)
	if !ok {
		return false
	}
	for _, c := range codes {
		if e.Code == c {
			return true
		}
	}
	return false
}

// IDs of what a checkout creates, derived from the order so that any step,
// on any delivery, names the same thing. Readable when they fit in an ID;
// else a UUID derived from the same name.
func derived(order domain.OrderID, suffix string) string { return derive(string(order), suffix) }

// derive names something after its parent (an order, a return) and a
// suffix, the same way every time.
func derive(parent, suffix string) string {
	id := parent + suffix
	if len(id) <= domain.MaxIDBytes {
		return id
	}
	return commands.DeriveID(parent, suffix)
}

// ReservationID is the hold on the stock of line i of an order.
func ReservationID(order domain.OrderID, line int) inventory.ReservationID {
	return inventory.ReservationID(derived(order, ":line:"+strconv.Itoa(line)))
}

// PaymentID is the payment attempt a checkout starts for what the wallet
// does not cover (card or cash on delivery).
func PaymentID(order domain.OrderID) domain.PaymentID {
	return domain.PaymentID(derived(order, ":pay"))
}

// HoldID is the wallet hold of an order's wallet part.
func HoldID(order domain.OrderID) wallet.HoldID {
	return wallet.HoldID(derived(order, ":wallet"))
}

// WalletOf is the default rule naming a customer's wallet: the wallet whose
// ID is the customer's ID. Checkout has no wallet field, so the managers
// derive it; a deployment with another rule sets Checkout.WalletOf.
func WalletOf(c domain.CustomerID) domain.WalletID { return domain.WalletID(c) }

// DefaultLocation is where stock is reserved when no Locate rule is given.
const DefaultLocation domain.LocationID = "main"
