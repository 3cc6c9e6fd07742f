package writeapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/internal/auth"
)

// bookings is a carrier that answers a tracking number and label key of
// its own and remembers what it was asked.
type bookings struct{ asked []shipcmd.BookRequest }

func (b *bookings) Book(_ context.Context, req shipcmd.BookRequest) (shipcmd.Booking, error) {
	b.asked = append(b.asked, req)
	return shipcmd.Booking{TrackingNumber: "BK-" + string(req.ShipmentID), LabelKey: "labels/" + string(req.VendorID) + "/" + string(req.ShipmentID) + ".pdf"}, nil
}

// A shipment sent without a tracking number and label is booked through the
// configured carrier, for the vendor the order names; without a carrier it
// is refused, as a label must then come from the client.
func TestShipmentBookedThroughTheCarrier(t *testing.T) {
	e := newEnv(t)
	tv1 := e.token(auth.Vendor, "v-1")
	body := e.shippable() + `,"carrier":"aramex"}` // parcel_test.go

	head := e.head()
	if rec := e.post("/v1/shipments", tv1, body); rec.Code < 400 || rec.Code >= 500 || e.head() != head {
		t.Fatalf("no carrier configured and no label: %d %s", rec.Code, rec.Body)
	}

	carrier := &bookings{}
	api, err := New(Deps{Store: e.store, Exec: e.exec, Auth: e.signer, Logger: slog.New(slog.DiscardHandler),
		Registry: prometheus.NewRegistry(), Version: "test", DefaultCommission: 1500, Carrier: carrier})
	if err != nil {
		t.Fatal(err)
	}
	e.h = api.Handler()
	e.ok(e.post("/v1/shipments", tv1, body), 201, "shipment-s-1", "shipment.created", auth.Actor{UserID: "v-1", Role: auth.Vendor})
	var created struct {
		TrackingNumber string `json:"tracking_number"`
		LabelKey       string `json:"label_key"`
	}
	if err := json.Unmarshal(e.last("shipment-s-1").Data, &created); err != nil {
		t.Fatal(err)
	}
	if created.TrackingNumber != "BK-s-1" || created.LabelKey != "labels/v-1/s-1.pdf" {
		t.Fatalf("recorded %+v, want the carrier's booking", created)
	}
	if len(carrier.asked) != 1 || carrier.asked[0].VendorID != "v-1" || carrier.asked[0].ShipmentID != "s-1" {
		t.Fatalf("the carrier was asked %+v", carrier.asked)
	}
}
