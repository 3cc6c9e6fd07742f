package carrierapi

import (
	"context"

	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/internal/carrier"
)

// Router is the one commands/shipment.Carrier souq books through: it hands
// each booking to the adapter of the carrier the vendor chose, or, for a
// carrier without one, to the fallback (the sandbox, in the embedded
// default). Without either, the booking is refused.
type Router struct {
	adapters map[shipment.Carrier]Booker
	fallback shipcmd.Carrier
}

// NewRouter routes to adapters by their Name; fallback may be nil.
func NewRouter(fallback shipcmd.Carrier, adapters ...Booker) *Router {
	r := &Router{adapters: map[shipment.Carrier]Booker{}, fallback: fallback}
	for _, a := range adapters {
		r.adapters[a.Name()] = a
	}
	return r
}

// Book books with the chosen carrier's adapter, else the fallback.
func (r *Router) Book(ctx context.Context, req shipcmd.BookRequest) (shipcmd.Booking, error) {
	if a, ok := r.adapters[req.Carrier]; ok {
		return a.Book(ctx, req)
	}
	if r.fallback != nil {
		return r.fallback.Book(ctx, req)
	}
	return shipcmd.Booking{}, domain.Errorf(domain.Unavailable, CodeNotConfigured,
		"souq books no %s labels here; record a label bought elsewhere", req.Carrier)
}

// Track polls the carrier's tracking API; a carrier without an adapter
// (the sandbox moves its own parcels) is refused.
func (r *Router) Track(ctx context.Context, c shipment.Carrier, trackingNumber string) ([]carrier.Event, error) {
	a, ok := r.adapters[c]
	if !ok {
		return nil, domain.Errorf(domain.Unavailable, CodeNotConfigured, "souq polls no %s tracking here", c)
	}
	return a.Track(ctx, trackingNumber)
}

// Carriers lists the carriers with an adapter.
func (r *Router) Carriers() []shipment.Carrier {
	var out []shipment.Carrier
	for _, c := range carrier.Names() {
		if _, ok := r.adapters[c]; ok {
			out = append(out, c)
		}
	}
	return out
}
