package process

import (
	"context"
	"fmt"
	"sync"
	"time"

	invcmd "github.com/souq-market/souq/commands/inventory"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/eventstore"
)

// ExpiryName names the reservation-expiry sweeper in logs.
const ExpiryName = "process.expiry"

// Expiry is the reservation-expiry sweeper: it follows the log for active
// reservations and, on each Sweep, issues inventory Expire for those due at
// Now. The Expire of a reservation has a command ID derived from its
// inventory.reserved event, so two sweepers, or a sweep repeated after a
// crash, expire it once; the domain leaves a hold that ended meanwhile
// alone. The checkout manager turns the resulting
// inventory.reservation_expired into a cancelled order.
//
// It keeps the due list in memory and rebuilds it from the start of the log
// when it starts (Run): the port has no read by stream category, and the
// list holds only active reservations.
type Expiry struct {
	Deps
	// Every is the sweep interval of Run.
	Every time.Duration

	mu     sync.Mutex
	active map[string]reservation // by stream and reservation ID
}

type reservation struct {
	sku       domain.SKU
	location  domain.LocationID
	id        inventory.ReservationID
	expiresAt time.Time
	cause     eventstore.RecordedEvent
}

// NewExpiry returns a sweeper; every ≤ 0 means 5 seconds.
func NewExpiry(d Deps, every time.Duration) *Expiry {
	if every <= 0 {
		every = 5 * time.Second
	}
	return &Expiry{Deps: d.withDefaults(), Every: every, active: map[string]reservation{}}
}

// Name identifies the sweeper.
func (x *Expiry) Name() string { return ExpiryName }

// Handle tracks reservations starting and ending.
func (x *Expiry) Handle(_ context.Context, events []eventstore.RecordedEvent) error {
	for _, r := range events {
		switch r.Type {
		case inventory.TypeReserved, inventory.TypeReservationCommitted, inventory.TypeReservationReleased, inventory.TypeReservationExpired:
		default:
			continue
		}
		e, err := x.decode(r)
		if err != nil {
			return err
		}
		x.mu.Lock()
		switch e := e.(type) {
		case inventory.Reserved:
			x.active[r.StreamID+"\x00"+string(e.ReservationID)] = reservation{sku: e.SKU, location: e.Location, id: e.ReservationID, expiresAt: e.ExpiresAt, cause: r}
		case inventory.ReservationCommitted:
			delete(x.active, r.StreamID+"\x00"+string(e.ReservationID))
		case inventory.ReservationReleased:
			delete(x.active, r.StreamID+"\x00"+string(e.ReservationID))
		case inventory.ReservationExpired:
			delete(x.active, r.StreamID+"\x00"+string(e.ReservationID))
		}
		x.mu.Unlock()
	}
	return nil
}

// Sweep expires every tracked reservation due at Now and returns how many
// Expire commands it issued.
func (x *Expiry) Sweep(ctx context.Context) (int, error) {
	now := x.Now()
	x.mu.Lock()
	var due []reservation
	for _, r := range x.active {
		if !now.Before(r.expiresAt) {
			due = append(due, r)
		}
	}
	x.mu.Unlock()
	n := 0
	for _, r := range due {
		res, err := invcmd.Expire{Deps: invcmd.Deps{Exec: x.Exec, Now: x.Now}}.Handle(ctx,
			invcmd.At[inventory.Expire]{SKU: r.sku, Location: r.location, Cmd: inventory.Expire{ReservationID: r.id}},
			Meta(ExpiryName, r.cause, "expire"))
		if _, ok := refusal(err); ok {
			continue // not due by the handler's clock yet, or gone
		}
		if err != nil {
			return n, fmt.Errorf("%s: expire %s: %w", ExpiryName, r.id, err)
		}
		if res.Events > 0 {
			n++
		}
	}
	return n, nil
}

// Run follows the log from its start and sweeps every Every until ctx ends.
func (x *Expiry) Run(ctx context.Context) error {
	return follow(ctx, x.Deps, ExpiryName, x.Every, x.Handle, x.Sweep)
}

// follow is a sweeper's life: handle the log from its start (catch-up,
// then live) and sweep every tick until ctx ends. A failed sweep is logged
// and retried on the next tick; a failed read ends it.
func follow(ctx context.Context, d Deps, name string, every time.Duration,
	handle func(context.Context, []eventstore.RecordedEvent) error, sweep func(context.Context) (int, error)) error {
	errs := make(chan error, 1)
	go func() {
		errs <- d.Exec.Store().Subscribe(ctx, 0, func(ev []eventstore.RecordedEvent) error { return handle(ctx, ev) })
	}()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			<-errs
			return ctx.Err()
		case err := <-errs:
			return fmt.Errorf("%s: follow: %w", name, err)
		case <-t.C:
			if _, err := sweep(ctx); err != nil && ctx.Err() == nil {
				d.Logger.WarnContext(ctx, "sweep failed; next tick retries", "sweeper", name, "err", err)
			}
		}
	}
}
