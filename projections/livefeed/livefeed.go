package livefeed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/live"
	"github.com/souq-market/souq/projections"
)

// Name is the projector's checkpoint key.
const Name = "live"

// Update is a message's data.
type Update struct {
	OrderID    string    `json:"order_id"`
	SubOrderID string    `json:"sub_order_id,omitempty"`
	Revision   uint64    `json:"revision"` // of the order stream
	At         time.Time `json:"at"`
}

// Options configure the projector; Registry, Fanout and Store are required.
type Options struct {
	Registry *eventstore.Registry
	Fanout   live.Fanout
	Store    eventstore.Store
	// MaxAge: older events are not published; default 10 minutes.
	MaxAge time.Duration
	Now    func() time.Time
}

// Projector publishes live updates.
type Projector struct {
	o Options

	mu      sync.Mutex
	vendors map[string]map[string]string // order → sub-order → vendor
}

var _ projections.Idempotent = (*Projector)(nil)

// rememberOrders bounds the order → vendors memory.
const rememberOrders = 10000

// New returns the projector.
func New(o Options) (*Projector, error) {
	if o.Registry == nil || o.Fanout == nil || o.Store == nil {
		return nil, errors.New("live projector: a registry, a fan-out and a store are needed")
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 10 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Projector{o: o, vendors: map[string]map[string]string{}}, nil
}

func (*Projector) Name() string { return Name }

// Reset forgets what it remembers; the fan-out's history ages out alone.
func (p *Projector) Reset(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.vendors)
	return nil
}

// Handle publishes a batch's updates in one Publish.
func (p *Projector) Handle(ctx context.Context, events []eventstore.RecordedEvent) error {
	oldest := p.o.Now().Add(-p.o.MaxAge)
	var msgs []live.Message
	for _, ev := range events {
		if !strings.HasPrefix(ev.Type, "order.") || !strings.HasPrefix(ev.StreamID, "order-") {
			continue
		}
		id := strings.TrimPrefix(ev.StreamID, "order-")
		e, err := p.o.Registry.DecodeRecorded(ev)
		if err != nil {
			return fmt.Errorf("live projector: %s at %d: %w", ev.Type, ev.Position, err)
		}
		if placed, ok := e.(order.Placed); ok {
			p.remember(id, placed)
		}
		if ev.Metadata.RecordedAt.Before(oldest) {
			continue
		}
		u := Update{OrderID: id, Revision: ev.StreamRevision, At: ev.Metadata.RecordedAt.UTC()}
		switch e := e.(type) {
		case order.SubOrderFulfilled:
			u.SubOrderID = string(e.SubOrderID)
		case order.SubOrderShipped:
			u.SubOrderID = string(e.SubOrderID)
		case order.SubOrderDelivered:
			u.SubOrderID = string(e.SubOrderID)
		case order.SubOrderCancelled:
			u.SubOrderID = string(e.SubOrderID)
		}
		data, err := json.Marshal(u)
		if err != nil {
			return err
		}
		msg := live.Message{ID: uint64(ev.Position), Type: ev.Type, Data: data}
		msgs = append(msgs, with(msg, live.OrderChannel(id)))
		subs, err := p.orderVendors(ctx, id)
		if err != nil {
			return projections.TransientNet(fmt.Errorf("live projector: vendors of order %s: %w", id, err))
		}
		seen := map[string]bool{}
		for sub, vendor := range subs {
			if (u.SubOrderID == "" || u.SubOrderID == sub) && !seen[vendor] && live.Valid(live.VendorChannel(vendor)) {
				seen[vendor] = true
				msgs = append(msgs, with(msg, live.VendorChannel(vendor)))
			}
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	// A fan-out (Redis) that cannot be reached is waited out by the runner
	// (projections.Transient), not parked.
	if err := p.o.Fanout.Publish(ctx, msgs...); err != nil {
		return projections.TransientNet(fmt.Errorf("live projector: %w", err))
	}
	return nil
}

func with(m live.Message, channel string) live.Message {
	m.Channel = channel
	return m
}

func (p *Projector) remember(id string, placed order.Placed) {
	subs := make(map[string]string, len(placed.SubOrders))
	for _, s := range placed.SubOrders {
		subs[string(s.ID)] = string(s.VendorID)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.vendors) >= rememberOrders {
		clear(p.vendors) // crude but bounded: the store answers again
	}
	p.vendors[id] = subs
}

// orderVendors returns the order's sub-orders and their vendors, reading
// its order.placed from the store when not remembered.
func (p *Projector) orderVendors(ctx context.Context, id string) (map[string]string, error) {
	p.mu.Lock()
	subs, ok := p.vendors[id]
	p.mu.Unlock()
	if ok {
		return subs, nil
	}
	evs, err := p.o.Store.ReadStream(ctx, "order-"+id, eventstore.ReadStreamOptions{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 || evs[0].Type != order.TypePlaced {
		return nil, nil // no placed order, no vendor to tell
	}
	e, err := p.o.Registry.DecodeRecorded(evs[0])
	if err != nil {
		return nil, err
	}
	placed, ok := e.(order.Placed)
	if !ok {
		return nil, nil
	}
	p.remember(id, placed)
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.vendors[id], nil
}
