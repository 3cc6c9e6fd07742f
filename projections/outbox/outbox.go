package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/integration"
	"github.com/souq-market/souq/projections"
)

// Name is the Kafka outbox's checkpoint key.
const Name = "outbox.kafka"

// Publisher sends integration events to the broker. Publish returns nil only
// once the broker acknowledged every event (all in-sync replicas), and keeps
// each key's events in the order given.
type Publisher interface {
	Publish(ctx context.Context, events []integration.Event) error
}

// Options tune a Projector; the zero value is usable.
type Options struct {
	// Name overrides the checkpoint key (default Name), for a second outbox.
	Name   string
	Logger *slog.Logger
}

// Projector is the outbox: a projections.Idempotent that maps each batch and
// publishes it, returning only once the broker acknowledged it.
type Projector struct {
	m    *Mapper
	pub  Publisher
	opts Options
}

// New returns the outbox projector.
func New(m *Mapper, pub Publisher, opts Options) *Projector {
	if opts.Name == "" {
		opts.Name = Name
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Projector{m: m, pub: pub, opts: opts}
}

func (p *Projector) Name() string { return p.opts.Name }

// Handle maps the batch and publishes it. A failure to publish (broker
// down, leader moving, timeouts) or to read the store is returned as
// projections.Transient: the runner retries the batch with capped backoff
// for as long as it takes, shows the outbox failing meanwhile, and never
// parks events because the broker was away. An event that cannot be mapped
// is returned as ErrUndecodable, not transient: the runner retries,
// bisects, and parks that one.
func (p *Projector) Handle(ctx context.Context, events []eventstore.RecordedEvent) error {
	out := make([]integration.Event, 0, len(events))
	for _, ev := range events {
		e, ok, err := p.m.Map(ctx, ev)
		switch {
		case errors.Is(err, ErrUndecodable):
			return err
		case err != nil:
			return projections.Transient(fmt.Errorf("outbox %s: map event %d: %w", p.opts.Name, ev.Position, err))
		case ok:
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil
	}
	if err := p.pub.Publish(ctx, out); err != nil {
		return projections.Transient(fmt.Errorf("outbox %s: publish %d events: %w", p.opts.Name, len(out), err))
	}
	return nil
}

// Reset does nothing: what Kafka has it keeps. A reset outbox publishes
// everything again from position zero, and consumers drop what they already
// had by event ID.
func (p *Projector) Reset(context.Context) error { return nil }

// Feed serves integration events from the store, for the embedded HTTP
// feed: the same events, IDs and payloads Kafka gets, by global position.
type Feed struct {
	Store  eventstore.Store
	Mapper *Mapper
	// Scan bounds the stored events one Read looks at (default 4096), so a
	// stretch of unpublished events costs a bounded read; the answer's next
	// position moves past them all the same.
	Scan int
}

// Read returns up to limit integration events after position after, and
// the position to ask after next time: the last stored event looked at,
// published or not (after itself when there was nothing new).
func (f Feed) Read(ctx context.Context, after uint64, limit int) ([]integration.Event, uint64, error) {
	scan := f.Scan
	if scan <= 0 {
		scan = 4096
	}
	next := eventstore.Position(after)
	var out []integration.Event
	for scanned := 0; scanned < scan && len(out) < limit; {
		page, err := f.Store.ReadAll(ctx, next, min(eventstore.DefaultPage, scan-scanned))
		if err != nil {
			return nil, 0, fmt.Errorf("outbox: feed after %d: %w", next, err)
		}
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			e, ok, err := f.Mapper.Map(ctx, ev)
			if err != nil && !errors.Is(err, ErrUndecodable) {
				return nil, 0, err
			}
			// An undecodable event is skipped here as the outbox parks it;
			// the Kafka outbox's parked list tells the operator.
			if ok {
				out = append(out, e)
			}
			next = ev.Position
			scanned++
			if len(out) == limit {
				break
			}
		}
	}
	return out, uint64(next), nil
}
