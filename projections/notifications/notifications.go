package notifications

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/payment"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/notify"
	"github.com/souq-market/souq/projections"
)

// Table is the sent-log. Its rows are never deleted by the projector.
const Table = "souq_notifications_sent"

// Deps are what the projector reads and sends through.
type Deps struct {
	Store eventstore.Store // to read the order, shipment, payment and user streams
	Reg   *eventstore.Registry
	// DB holds the sent-log (the read models' database); Dialect its SQL.
	DB      *sql.DB
	Dialect projections.Dialect
	// Notifiers are the channels; each sends every message it has an
	// address for (email: the account's email; SMS, WhatsApp: the profile's
	// phone; log: either).
	Notifiers []notify.Notifier
	// Streams name the streams the projector follows an event to; they are
	// the commands' (projections may not import commands), handed in.
	Streams Streams
	Logger  *slog.Logger
	Now     func() time.Time
}

// Streams are the stream namers of commands (OrderStream, ShipmentStream,
// user.UserStream).
type Streams struct {
	Order    func(domain.OrderID) (string, error)
	Shipment func(domain.ShipmentID) (string, error)
	User     func(user.ID) (string, error)
}

// Projector is a projections.Idempotent projector.
type Projector struct {
	d Deps
	q struct{ seen, record string }
}

// New creates the sent-log table when it does not exist.
func New(ctx context.Context, d Deps) (*Projector, error) {
	if d.Store == nil || d.Reg == nil || d.DB == nil ||
		d.Streams.Order == nil || d.Streams.Shipment == nil || d.Streams.User == nil {
		return nil, errors.New("notifications: Store, Reg, DB and Streams are required")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	// The same DDL in both dialects (TEXT, BIGINT, a composite key).
	_, err := d.DB.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+Table+` (
		event_id TEXT NOT NULL,
		channel TEXT NOT NULL,
		outcome TEXT NOT NULL,
		at BIGINT NOT NULL,
		PRIMARY KEY (event_id, channel))`)
	if err != nil {
		return nil, fmt.Errorf("notifications: create %s: %w", Table, err)
	}
	p := &Projector{d: d}
	p.q.seen = d.Dialect.Rebind(`SELECT outcome FROM ` + Table + ` WHERE event_id = ? AND channel = ?`)
	// DO NOTHING: two runners racing on one event both sent; the row says so once.
	p.q.record = d.Dialect.Rebind(`INSERT INTO ` + Table + ` (event_id, channel, outcome, at) VALUES (?, ?, ?, ?) ON CONFLICT (event_id, channel) DO NOTHING`)
	return p, nil
}

// Name is the projector's checkpoint key.
func (*Projector) Name() string { return "notifications" }

// Reset implements projections.Idempotent. It keeps the sent-log: a
// message once sent stays sent, so a replay from zero sends nothing again.
func (*Projector) Reset(context.Context) error { return nil }

// Outcomes recorded in the sent-log.
const (
	Sent     = "sent"
	Rejected = "rejected" // the provider refused it for good (notify.ErrRejected)
)

// Handle implements projections.Idempotent: events in order, each to every
// channel not yet in the sent-log. A provider outage stops the batch as a
// Transient error; what went out before it is logged and skipped on retry.
func (p *Projector) Handle(ctx context.Context, events []eventstore.RecordedEvent) error {
	for _, ev := range events {
		n, ok, err := p.notice(ctx, ev)
		if err != nil {
			return fmt.Errorf("notifications: event %s (%s): %w", ev.ID, ev.Type, err)
		}
		if !ok {
			continue
		}
		if err := p.deliver(ctx, ev, n); err != nil {
			return fmt.Errorf("notifications: event %s (%s): %w", ev.ID, ev.Type, err)
		}
	}
	return nil
}

// notice is what to tell whom about one event.
type notice struct {
	kind     notify.Kind
	customer domain.CustomerID
	data     notify.Data
}

// notice reads what an event means for its customer; ok is false for events
// no one is told about.
func (p *Projector) notice(ctx context.Context, ev eventstore.RecordedEvent) (notice, bool, error) {
	switch ev.Type {
	case order.TypeConfirmed:
		placed, err := p.placed(ctx, ev.StreamID)
		if err != nil {
			return notice{}, false, err
		}
		return notice{kind: notify.OrderConfirmed, customer: placed.CustomerID, data: notify.Data{OrderID: string(placed.OrderID)}}, true, nil
	case order.TypeSubOrderShipped:
		var e order.SubOrderShipped
		if err := p.decode(ev, &e); err != nil {
			return notice{}, false, err
		}
		placed, err := p.placed(ctx, ev.StreamID)
		if err != nil {
			return notice{}, false, err
		}
		n := notice{kind: notify.Shipped, customer: placed.CustomerID, data: notify.Data{OrderID: string(placed.OrderID)}}
		stream, err := p.d.Streams.Shipment(e.ShipmentID)
		if err != nil {
			return notice{}, false, err
		}
		if created, err := p.shipment(ctx, stream); err == nil {
			n.data.Carrier, n.data.Tracking = string(created.Carrier), created.TrackingNumber
		} else if !errors.Is(err, errAbsent) {
			return notice{}, false, err
		}
		return n, true, nil
	case shipment.TypeStatusChanged:
		var e shipment.StatusChanged
		if err := p.decode(ev, &e); err != nil {
			return notice{}, false, err
		}
		kind := map[shipment.Status]notify.Kind{shipment.OutForDelivery: notify.OutForDelivery, shipment.Delivered: notify.Delivered}[e.Status]
		if kind == "" {
			return notice{}, false, nil
		}
		created, err := p.shipment(ctx, ev.StreamID)
		if err != nil {
			return notice{}, false, err
		}
		stream, err := p.d.Streams.Order(created.OrderID)
		if err != nil {
			return notice{}, false, err
		}
		placed, err := p.placed(ctx, stream)
		if err != nil {
			return notice{}, false, err
		}
		return notice{kind: kind, customer: placed.CustomerID, data: notify.Data{
			OrderID: string(created.OrderID), Carrier: string(created.Carrier), Tracking: created.TrackingNumber,
		}}, true, nil
	case payment.TypeRefunded:
		var e payment.Refunded
		if err := p.decode(ev, &e); err != nil {
			return notice{}, false, err
		}
		var init payment.Initiated
		if err := p.first(ctx, ev.StreamID, payment.TypeInitiated, &init); err != nil {
			return notice{}, false, err
		}
		return notice{kind: notify.RefundIssued, customer: init.CustomerID, data: notify.Data{
			OrderID: string(init.OrderID), Amount: e.Amount.String(),
		}}, true, nil
	}
	return notice{}, false, nil
}

// errAbsent: a stream the event refers to has no events (yet).
var errAbsent = errors.New("stream not found")

func (p *Projector) placed(ctx context.Context, stream string) (order.Placed, error) {
	var placed order.Placed
	return placed, p.first(ctx, stream, order.TypePlaced, &placed)
}

func (p *Projector) shipment(ctx context.Context, stream string) (shipment.Created, error) {
	var created shipment.Created
	return created, p.first(ctx, stream, shipment.TypeCreated, &created)
}

// first decodes the first event of a stream, which must be of type typ,
// into out.
func (p *Projector) first(ctx context.Context, stream, typ string, out any) error {
	recs, err := p.d.Store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{Limit: 1})
	if errors.Is(err, eventstore.ErrStreamNotFound) || (err == nil && len(recs) == 0) {
		return fmt.Errorf("%s: %w", stream, errAbsent)
	}
	if err != nil {
		// The event store is the projector's source: when it fails, so
		// does the read that fed this batch; it passes by itself.
		return projections.Transient(fmt.Errorf("read %s: %w", stream, err))
	}
	if recs[0].Type != typ {
		return fmt.Errorf("%s starts with %s, not %s", stream, recs[0].Type, typ)
	}
	return p.decode(recs[0], out)
}

// decode decodes ev into out, a pointer to its event type.
func (p *Projector) decode(ev eventstore.RecordedEvent, out any) error {
	e, err := p.d.Reg.DecodeRecorded(ev)
	if err != nil {
		return err
	}
	switch o := out.(type) {
	case *order.Placed:
		return assign(e, o)
	case *order.SubOrderShipped:
		return assign(e, o)
	case *shipment.Created:
		return assign(e, o)
	case *shipment.StatusChanged:
		return assign(e, o)
	case *payment.Initiated:
		return assign(e, o)
	case *payment.Refunded:
		return assign(e, o)
	}
	return fmt.Errorf("cannot decode into %T", out)
}

func assign[T any](e any, out *T) error {
	v, ok := e.(T)
	if !ok {
		return fmt.Errorf("decoded %T, want %T", e, *out)
	}
	*out = v
	return nil
}

// contact is how to reach a customer.
type contact struct {
	email, phone string
	locale       notify.Locale
	name         string
}

// contact folds the customer's user stream.
func (p *Projector) contact(ctx context.Context, id domain.CustomerID) (contact, bool, error) {
	stream, err := p.d.Streams.User(user.ID(id))
	if err != nil {
		return contact{}, false, err
	}
	recs, err := p.d.Store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{})
	if errors.Is(err, eventstore.ErrStreamNotFound) || (err == nil && len(recs) == 0) {
		return contact{}, false, nil
	}
	if err != nil {
		return contact{}, false, projections.Transient(fmt.Errorf("read %s: %w", stream, err))
	}
	u := user.New(user.ID(id))
	for _, r := range recs {
		e, err := p.d.Reg.DecodeRecorded(r)
		if err != nil {
			return contact{}, false, err
		}
		de, ok := e.(domain.Event)
		if !ok {
			return contact{}, false, fmt.Errorf("%s: %T is not a domain event", stream, e)
		}
		u.Apply(de)
	}
	if !u.Exists() || u.Forgotten() { // a forgotten customer's contact reads as erased: nobody to tell
		return contact{}, false, nil
	}
	pr := u.Profile()
	return contact{email: u.Email(), phone: pr.Phone, locale: notify.LocaleOf(pr.Locale), name: pr.Name}, true, nil
}

// deliver sends n over every channel that has an address and no row in the
// sent-log yet, recording each once the provider acknowledged.
func (p *Projector) deliver(ctx context.Context, ev eventstore.RecordedEvent, n notice) error {
	c, ok, err := p.contact(ctx, n.customer)
	if err != nil {
		return err
	}
	if !ok {
		p.d.Logger.WarnContext(ctx, "notification without a customer account", "event", ev.ID, "kind", n.kind, "customer", n.customer)
		return nil
	}
	n.data.Name = c.name
	subject, body, err := notify.Render(n.kind, c.locale, n.data)
	if err != nil {
		return err
	}
	for _, nt := range p.d.Notifiers {
		ch := nt.Channel()
		to := map[notify.Channel]string{notify.Email: c.email, notify.SMS: c.phone, notify.WhatsApp: c.phone, notify.Log: c.email}[ch]
		if to == "" {
			continue
		}
		var outcome string
		switch err := p.d.DB.QueryRowContext(ctx, p.q.seen, ev.ID, string(ch)).Scan(&outcome); {
		case err == nil:
			continue // sent (or refused) before: a redelivery
		case !errors.Is(err, sql.ErrNoRows):
			return projections.Transient(fmt.Errorf("sent-log: %w", err))
		}
		msg := notify.Message{To: to, Subject: subject, Body: body, Locale: c.locale, Key: ev.ID + ":" + string(ch), UserID: string(n.customer)}
		outcome = Sent
		if err := nt.Send(ctx, msg); errors.Is(err, notify.ErrRejected) {
			p.d.Logger.WarnContext(ctx, "notification refused", "event", ev.ID, "channel", ch, "err", err)
			outcome = Rejected
		} else if err != nil {
			return projections.Transient(fmt.Errorf("%s: %w", ch, err))
		}
		if _, err := p.d.DB.ExecContext(ctx, p.q.record, ev.ID, string(ch), outcome, p.d.Now().UnixNano()); err != nil {
			// Sent but not recorded: the retry sends it again. At least
			// once is the best a provider without idempotency allows.
			return projections.Transient(fmt.Errorf("sent-log: %w", err))
		}
	}
	return nil
}
