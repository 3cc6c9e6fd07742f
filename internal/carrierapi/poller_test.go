package carrierapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/carrierapi"
)

// The poller follows an SMSA parcel from its creation: each poll records
// the scans not yet recorded, a failing carrier is asked again next time,
// and a delivered parcel is no longer asked. A parcel of a carrier
// without an adapter is not followed.
func TestPoller(t *testing.T) {
	ctx := context.Background()
	scans := []string{
		`{"City":"Dubai","ScanType":"PU","ScanDescription":"Picked Up","ScanDateTime":"2024-05-01T10:00:00"}`,
		`{"City":"Abu Dhabi","ScanType":"OD","ScanDescription":"Out for Delivery","ScanDateTime":"2024-05-02T09:00:00"}`,
		`{"City":"Abu Dhabi","ScanType":"DL","ScanDescription":"Delivered","ScanDateTime":"2024-05-02T11:00:00"}`,
	}
	seen, failing := 1, false
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if failing {
			reply(w, 503, `busy`)
			return
		}
		reply(w, 200, `{"AWB":"231200021000","Scans":[`+strings.Join(scans[:seen], ",")+`]}`)
	})
	opts, _ := options(t)
	store := memory.New(memory.Options{})
	exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{})
	p := carrierapi.NewPoller(carrierapi.PollerOptions{Exec: exec, Router: carrierapi.NewRouter(nil, newSMSA(t, s, opts))})
	deps := shipcmd.Deps{Exec: exec, Now: time.Now}
	for id, c := range map[string]shipment.Carrier{"s-1": shipment.SMSA, "s-2": shipment.Aramex} {
		if _, err := (shipcmd.Create{Deps: deps}).Handle(ctx, shipcmd.For[shipment.Create]{ShipmentID: domain.ShipmentID(id), Cmd: shipment.Create{
			OrderID: "o-1", SubOrderID: "o-1-v-1", VendorID: "v-1", Carrier: c, TrackingNumber: "231200021000", LabelKey: "labels/v-1/l.pdf"}}, commands.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	var pos eventstore.Position
	feed := func() {
		t.Helper()
		evs, err := store.ReadAll(ctx, pos, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) > 0 {
			if err := p.Handle(ctx, evs); err != nil {
				t.Fatal(err)
			}
			pos = evs[len(evs)-1].Position
		}
	}
	statuses := func() []shipment.Status {
		t.Helper()
		stream, _ := commands.ShipmentStream("s-1")
		evs, err := store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var out []shipment.Status
		for _, r := range evs {
			if r.Type == shipment.TypeStatusChanged {
				var e shipment.StatusChanged
				if err := json.Unmarshal(r.Data, &e); err != nil {
					t.Fatal(err)
				}
				out = append(out, e.Status)
			}
		}
		return out
	}
	feed()
	if p.Watching() != 1 {
		t.Fatalf("watching %d parcels, want the SMSA one", p.Watching())
	}
	if err := p.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := statuses(); len(got) != 1 || got[0] != shipment.InTransit {
		t.Fatalf("after the first poll: %v", got)
	}
	failing = true
	if err := p.Poll(ctx); err == nil || !strings.Contains(err.Error(), "231200021000") {
		t.Fatalf("a failing carrier: %v", err)
	}
	failing, seen = false, 3
	if err := p.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	want := []shipment.Status{shipment.InTransit, shipment.OutForDelivery, shipment.Delivered}
	if got := statuses(); len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("after the second poll: %v, want %v", got, want)
	}
	feed()
	asked := len(s.to("GET", "/api/track/single/231200021000"))
	if err := p.Poll(ctx); err != nil || p.Watching() != 0 || len(s.to("GET", "/api/track/single/231200021000")) != asked {
		t.Fatalf("a delivered parcel is still asked: %v, watching %d", err, p.Watching())
	}
}

// A poller started afresh (a process restarted) follows again, from the
// log, the parcels booked with a carrier it has an adapter for and not yet
// delivered — across more than one page of the log — and asks their
// carrier only about those; a delivered parcel and one of a carrier
// without an adapter are not followed.
func TestPollerRebuildsFromTheLog(t *testing.T) {
	ctx := context.Background()
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		reply(w, 200, `{"AWB":"`+strings.TrimPrefix(r.URL.Path, "/api/track/single/")+`","Scans":[]}`)
	})
	opts, _ := options(t)
	store := memory.New(memory.Options{})
	exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{})
	deps := shipcmd.Deps{Exec: exec, Now: time.Now}
	create := func(id string, c shipment.Carrier, tracking string) {
		t.Helper()
		if _, err := (shipcmd.Create{Deps: deps}).Handle(ctx, shipcmd.For[shipment.Create]{ShipmentID: domain.ShipmentID(id), Cmd: shipment.Create{
			OrderID: "o-1", SubOrderID: "o-1-v-1", VendorID: "v-1", Carrier: c, TrackingNumber: tracking, LabelKey: "labels/v-1/l.pdf"}}, commands.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	create("s-open", shipment.SMSA, "1001")
	create("s-done", shipment.SMSA, "1002")
	if _, err := (shipcmd.Track{Deps: deps}).Handle(ctx, shipcmd.For[shipment.Track]{ShipmentID: "s-done", Cmd: shipment.Track{
		CarrierEventID: "dl", Status: shipment.Delivered, CarrierStatus: "DL", OccurredAt: clock}}, commands.Meta{}); err != nil {
		t.Fatal(err)
	}
	for i := range eventstore.DefaultPage + 10 { // the rest lies on a second page
		create(fmt.Sprintf("s-aramex-%d", i), shipment.Aramex, fmt.Sprint(5000+i))
	}
	create("s-late", shipment.SMSA, "1003")

	p := carrierapi.NewPoller(carrierapi.PollerOptions{Exec: exec, Router: carrierapi.NewRouter(nil, newSMSA(t, s, opts))})
	n, err := p.Rebuild(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || p.Watching() != 2 {
		t.Fatalf("rebuilt watching %d (%d), want s-open and s-late", n, p.Watching())
	}
	if err := p.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if len(s.to("GET", "/api/track/single/1001")) != 1 || len(s.to("GET", "/api/track/single/1003")) != 1 ||
		len(s.to("GET", "/api/track/single/1002")) != 0 {
		t.Fatalf("asked %+v", s.calls)
	}
}
