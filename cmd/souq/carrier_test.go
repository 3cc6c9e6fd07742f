package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/blob/blobtest"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/sandbox"
)

// The carriers follow the configuration: a configured carrier's adapter
// books its parcels, the sandbox the others in the embedded default only —
// the one sandbox the process managers run, so one instance to close —
// and nothing books when neither applies. The tracking poller exists only
// with a carrier's booking API, and starts following the parcels already
// booked with it.
func TestCarriers(t *testing.T) {
	ctx := context.Background()
	pdf := blobtest.PDF("smsa label")
	smsa := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"sawb":"231200021000","waybills":[{"awb":"231200021000","awbFile":"`+base64.StdEncoding.EncodeToString(pdf)+`"}]}`)
	}))
	defer smsa.Close()
	blobs, err := blob.NewFiles(t.TempDir(), blob.Links{Secret: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	store := memory.New(memory.Options{})
	exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{})
	logger := slog.New(slog.DiscardHandler)
	party := shipcmd.Party{Name: "n", Phone: "+971500000000", Line1: "l", City: "Dubai", Country: "AE"}
	req := func(c shipment.Carrier) shipcmd.BookRequest {
		return shipcmd.BookRequest{ShipmentID: "s-1", OrderID: "o-1", SubOrderID: "o-1-v-1", VendorID: "v-1", Carrier: c,
			Parcel: shipcmd.Parcel{From: party, To: party, WeightGrams: 500}}
	}
	withSMSA := config.Config{EventStore: config.SQLite, SMSAAPIURL: smsa.URL, SMSAAPISecret: "b60dbb7bc50a4331a3411c820c08dffc"}

	open := func(cfg config.Config) *carriers {
		t.Helper()
		c, err := openCarriers(cfg, exec, blobs, logger)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	car := open(withSMSA)
	b, err := car.booking.Book(ctx, req(shipment.SMSA))
	if err != nil || b.TrackingNumber != "231200021000" {
		t.Fatalf("SMSA booked %+v, %v", b, err)
	}
	if b, err := car.booking.Book(ctx, req(shipment.Aramex)); err != nil || !strings.HasPrefix(b.TrackingNumber, sandbox.TrackingPrefix) {
		t.Fatalf("Aramex, not configured, booked %+v, %v; want the sandbox", b, err)
	}
	if _, err := (shipcmd.Create{Deps: shipcmd.Deps{Exec: exec, Now: time.Now}}).Handle(ctx, shipcmd.For[shipment.Create]{ShipmentID: "s-1",
		Cmd: shipment.Create{OrderID: "o-1", SubOrderID: "o-1-v-1", VendorID: "v-1", Carrier: shipment.SMSA, TrackingNumber: b.TrackingNumber,
			LabelKey: b.LabelKey}}, commands.Meta{}); err != nil {
		t.Fatal(err)
	}
	if p, err := car.poller(ctx, store, exec, logger); err != nil || p == nil || p.Watching() != 1 {
		t.Fatalf("poller with SMSA: %v, %v; want one following the SMSA parcel", p, err)
	}

	distributed := withSMSA
	distributed.EventStore = config.Postgres
	if _, err := open(distributed).booking.Book(ctx, req(shipment.Aramex)); err == nil {
		t.Fatal("a distributed deployment booked Aramex in the sandbox")
	}
	if car := open(config.Config{EventStore: config.Postgres}); car.booking != nil || car.router != nil {
		t.Fatalf("nothing configured, distributed: %+v; want no carrier", car)
	}
	embedded := open(config.Config{EventStore: config.SQLite})
	if embedded.booking != shipcmd.Carrier(embedded.sandbox) {
		t.Fatalf("nothing configured, embedded: books with %v; want the process managers' sandbox", embedded.booking)
	}
	if p, err := embedded.poller(ctx, store, exec, logger); err != nil || p != nil {
		t.Fatalf("a poller with no carrier API: %v, %v", p, err)
	}
	bad := config.Config{EventStore: config.SQLite, AramexAPIURL: "https://ws.aramex.net/ShippingAPI.V2?account=1&entity=DXB&country=AE",
		AramexAPISecret: "no-pin-in-this-secret"}
	if _, err := openCarriers(bad, exec, blobs, logger); err == nil {
		t.Fatal("an Aramex secret without a PIN was accepted")
	}
}

// Wired as serve wires them, with SMSA's booking API configured, the
// process managers run the tracking poller: an SMSA parcel booked before
// the process started (a restart) is followed from the log, and SMSA's
// scans move it to delivered.
func TestProcessPollsTheConfiguredCarrier(t *testing.T) {
	ctx := context.Background()
	smsa := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/track/single/231200021000" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		io.WriteString(w, `{"AWB":"231200021000","Scans":[`+
			`{"City":"Dubai","ScanType":"PU","ScanDescription":"Picked Up","ScanDateTime":"2024-05-01T10:00:00"},`+
			`{"City":"Abu Dhabi","ScanType":"DL","ScanDescription":"Delivered","ScanDateTime":"2024-05-02T11:00:00"}]}`)
	}))
	defer smsa.Close()
	env := map[string]string{"SOUQ_DATA_DIR": t.TempDir(), "SOUQ_LOG_FORMAT": "json",
		"SOUQ_CARRIER_SMSA_API_URL": smsa.URL, "SOUQ_CARRIER_SMSA_API_SECRET": "b60dbb7bc50a4331a3411c820c08dffc"}
	cfg, err := config.Load(config.Source{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	cfg.CarrierPollInterval = 10 * time.Millisecond // below what config allows, for the test's sake
	logger := slog.New(slog.DiscardHandler)
	store, err := openStore(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	bs, err := openBlobs(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := openReadSide(ctx, cfg, logger, store, bs, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	exec := commands.NewExecutor(store, commands.NewRegistry(), commands.Options{})
	if _, err := (shipcmd.Create{Deps: shipcmd.Deps{Exec: exec, Now: time.Now}}).Handle(ctx, shipcmd.For[shipment.Create]{ShipmentID: "s-1",
		Cmd: shipment.Create{OrderID: "o-1", SubOrderID: "o-1-v-1", VendorID: "v-1", Carrier: shipment.SMSA, TrackingNumber: "231200021000",
			LabelKey: "labels/v-1/l.pdf"}}, commands.Meta{}); err != nil {
		t.Fatal(err)
	}
	gw, closeGateway, err := cardGateway(cfg, exec, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer closeGateway()
	cars, err := openCarriers(cfg, exec, bs.store, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer cars.Close()
	stop, err := startProcess(ctx, logger, store, rs, gw, cars)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	stream, _ := commands.ShipmentStream("s-1")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		evs, err := store.ReadStream(ctx, stream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, From: eventstore.End, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		var last shipment.StatusChanged
		if evs[0].Type == shipment.TypeStatusChanged && json.Unmarshal(evs[0].Data, &last) == nil && last.Status == shipment.Delivered {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the SMSA parcel was not polled to delivered; last event %s %s", evs[0].Type, evs[0].Data)
		}
	}
}
