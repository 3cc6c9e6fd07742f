package carrierapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/souq-market/souq/commands"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/eventstore"
)

// PollerName is the poller's checkpoint key.
const PollerName = "carrier.poller"

// PollerOptions configure a Poller; Exec and Router are required.
type PollerOptions struct {
	Exec   *commands.Executor
	Router *Router
	Now    func() time.Time
	Logger *slog.Logger
}

// Poller follows the parcels booked with the carriers Router has adapters
// for, for deployments whose carriers push no webhooks: run as a process
// manager it watches every such shipment.created until a final status,
// and Poll asks each watched parcel's carrier for its scans, recording the
// new ones with shipment Track. A scan's carrier event ID is the one the
// webhook path derives from the same scan (for Aramex and SMSA, whose
// webhook and tracking shapes are one), so a scan pushed and polled is
// recorded once.
//
// The watch list is in memory. Fed by the runner from its checkpoint on,
// it would lose at a restart every parcel created before; so Rebuild
// reads the log from its start once, before the runner starts, and the
// runner's redelivery of what followed the checkpoint only repeats what
// Rebuild saw, in the same order (Handle is idempotent).
type Poller struct {
	opts    PollerOptions
	mu      sync.Mutex
	watched map[string]watched // by stream
}

type watched struct {
	id       domain.ShipmentID
	carrier  shipment.Carrier
	tracking string
}

// NewPoller returns a poller recording through opts.Exec.
func NewPoller(opts PollerOptions) *Poller {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Poller{opts: opts, watched: map[string]watched{}}
}

// Name is the checkpoint key.
func (p *Poller) Name() string { return PollerName }

// Handle watches each parcel created with a carrier the router has an
// adapter for, and stops watching at a final status.
func (p *Poller) Handle(_ context.Context, events []eventstore.RecordedEvent) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range events {
		switch r.Type {
		case shipment.TypeCreated:
			var e shipment.Created
			if err := json.Unmarshal(r.Data, &e); err != nil {
				return fmt.Errorf("%s: %s at %d: %w", PollerName, r.Type, r.Position, err)
			}
			if _, ok := p.opts.Router.adapters[e.Carrier]; ok && e.TrackingNumber != "" {
				p.watched[r.StreamID] = watched{e.ShipmentID, e.Carrier, e.TrackingNumber}
			}
		case shipment.TypeStatusChanged:
			var e shipment.StatusChanged
			if err := json.Unmarshal(r.Data, &e); err != nil {
				return fmt.Errorf("%s: %s at %d: %w", PollerName, r.Type, r.Position, err)
			}
			if e.Status.Final() {
				delete(p.watched, r.StreamID)
			}
		}
	}
	return nil
}

// Rebuild feeds Handle the whole log up to its head now, so a process
// restarted follows again the parcels it followed: those created with a
// carrier the router has an adapter for and not yet at a final status.
// It reads every event once, a page at a time, and answers how many
// parcels it now follows.
func (p *Poller) Rebuild(ctx context.Context, store eventstore.Store) (int, error) {
	head, err := store.Head(ctx)
	if err != nil {
		return 0, fmt.Errorf("%s: rebuild: %w", PollerName, err)
	}
	var after eventstore.Position
	for after < head {
		page, err := store.ReadAll(ctx, after, 0)
		if err != nil {
			return 0, fmt.Errorf("%s: rebuild after %d: %w", PollerName, after, err)
		}
		if len(page) == 0 {
			break
		}
		if err := p.Handle(ctx, page); err != nil {
			return 0, err
		}
		after = page[len(page)-1].Position
	}
	return p.Watching(), nil
}

// Watching is how many parcels the poller follows.
func (p *Poller) Watching() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.watched)
}

// Poll asks every watched parcel's carrier once and records the scans.
// One parcel's failure (a carrier down, a scan the shipment refuses) does
// not stop the others; the failures are joined in the answer, and the
// parcel is asked again next time.
func (p *Poller) Poll(ctx context.Context) error {
	p.mu.Lock()
	todo := make(map[string]watched, len(p.watched))
	for k, w := range p.watched {
		todo[k] = w
	}
	p.mu.Unlock()
	var errs []error
	for stream, w := range todo {
		final, err := p.poll(ctx, w)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s (%s): %w", w.carrier, w.tracking, w.id, err))
		}
		if final {
			p.mu.Lock()
			delete(p.watched, stream)
			p.mu.Unlock()
		}
	}
	return errors.Join(errs...)
}

func (p *Poller) poll(ctx context.Context, w watched) (final bool, err error) {
	scans, err := p.opts.Router.Track(ctx, w.carrier, w.tracking)
	if err != nil {
		return false, err
	}
	deps := shipcmd.Deps{Exec: p.opts.Exec, Now: p.opts.Now}
	meta := commands.Meta{Actor: eventstore.Actor{UserID: "carrier:" + string(w.carrier), Role: "system"}}
	for _, e := range scans {
		if e.TrackingNumber != w.tracking {
			continue // an answer about another parcel is not this one's
		}
		_, err := shipcmd.Track{Deps: deps}.Handle(ctx, shipcmd.For[shipment.Track]{ShipmentID: w.id, Cmd: shipment.Track{
			CarrierEventID: e.ID, Status: e.Status, CarrierStatus: e.CarrierStatus, Location: e.Location,
			OccurredAt: e.OccurredAt}}, meta)
		if err != nil {
			return false, fmt.Errorf("record %s: %w", e.CarrierStatus, err)
		}
		final = final || e.Status.Final()
	}
	return final, nil
}

// Run polls every interval until ctx ends, logging what failed.
func (p *Poller) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := p.Poll(ctx); err != nil && ctx.Err() == nil {
				p.opts.Logger.Warn("carrier tracking poll", "err", err)
			}
		}
	}
}
