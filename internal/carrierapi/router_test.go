package carrierapi_test

import (
	"context"
	"net/http"
	"testing"

	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/internal/carrierapi"
)

// fallback books what no adapter takes, as the sandbox does.
type fallback struct{ got []shipment.Carrier }

func (f *fallback) Book(_ context.Context, req shipcmd.BookRequest) (shipcmd.Booking, error) {
	f.got = append(f.got, req.Carrier)
	return shipcmd.Booking{TrackingNumber: "SBX1", LabelKey: "labels/v-1/x.pdf"}, nil
}

// The router books with the adapter of the chosen carrier, the others with
// the fallback; without one, a carrier it has no adapter for is refused.
func TestRouter(t *testing.T) {
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { reply(w, 200, smsaCreated) })
	opts, st := options(t)
	fb := &fallback{}
	r := carrierapi.NewRouter(fb, newSMSA(t, s, opts))
	b, err := r.Book(context.Background(), request(t, shipment.SMSA))
	if err != nil || b.TrackingNumber != "231200021000" {
		t.Fatalf("SMSA booking %+v, %v", b, err)
	}
	wantLabel(t, st, b)
	if b, err := r.Book(context.Background(), request(t, shipment.Aramex)); err != nil || b.TrackingNumber != "SBX1" {
		t.Fatalf("Aramex booking %+v, %v", b, err)
	}
	if len(fb.got) != 1 || fb.got[0] != shipment.Aramex || len(s.to("POST", "/api/shipment/b2c/new")) != 1 {
		t.Fatalf("fallback got %v", fb.got)
	}
	if got := r.Carriers(); len(got) != 1 || got[0] != shipment.SMSA {
		t.Fatalf("carriers %v", got)
	}
	alone := carrierapi.NewRouter(nil, newSMSA(t, s, opts))
	_, err = alone.Book(context.Background(), request(t, shipment.DHL))
	wantError(t, err, domain.Unavailable, carrierapi.CodeNotConfigured, "souq books no dhl labels here")
	_, err = alone.Track(context.Background(), shipment.DHL, "1")
	wantError(t, err, domain.Unavailable, carrierapi.CodeNotConfigured, "dhl")
}
