package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/souq-market/souq/commands"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/eventstore/memory"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/blob/blobtest"
	"github.com/souq-market/souq/internal/config"
	"github.com/souq-market/souq/internal/sandbox"
)

// The booking carrier follows the configuration: a configured carrier's
// adapter books its parcels, the sandbox the others in the embedded
// default only, and nothing books when neither applies.
func TestBookingCarrier(t *testing.T) {
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
	exec := commands.NewExecutor(memory.New(memory.Options{}), commands.NewRegistry(), commands.Options{})
	logger := slog.New(slog.DiscardHandler)
	party := shipcmd.Party{Name: "n", Phone: "+971500000000", Line1: "l", City: "Dubai", Country: "AE"}
	req := func(c shipment.Carrier) shipcmd.BookRequest {
		return shipcmd.BookRequest{ShipmentID: "s-1", OrderID: "o-1", SubOrderID: "o-1-v-1", VendorID: "v-1", Carrier: c,
			Parcel: shipcmd.Parcel{From: party, To: party, WeightGrams: 500}}
	}
	withSMSA := config.Config{EventStore: config.SQLite, SMSAAPIURL: smsa.URL, SMSAAPISecret: "b60dbb7bc50a4331a3411c820c08dffc"}

	car, err := bookingCarrier(withSMSA, exec, blobs, logger)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := car.Book(ctx, req(shipment.SMSA)); err != nil || b.TrackingNumber != "231200021000" {
		t.Fatalf("SMSA booked %+v, %v", b, err)
	}
	if b, err := car.Book(ctx, req(shipment.Aramex)); err != nil || !strings.HasPrefix(b.TrackingNumber, sandbox.TrackingPrefix) {
		t.Fatalf("Aramex, not configured, booked %+v, %v; want the sandbox", b, err)
	}

	distributed := withSMSA
	distributed.EventStore = config.Postgres
	car, err = bookingCarrier(distributed, exec, blobs, logger)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := car.Book(ctx, req(shipment.Aramex)); err == nil {
		t.Fatal("a distributed deployment booked Aramex in the sandbox")
	}
	if car, err := bookingCarrier(config.Config{EventStore: config.Postgres}, exec, blobs, logger); err != nil || car != nil {
		t.Fatalf("nothing configured, distributed: %v, %v; want no carrier", car, err)
	}
	if car, err := bookingCarrier(config.Config{EventStore: config.SQLite}, exec, blobs, logger); err != nil || car == nil {
		t.Fatalf("nothing configured, embedded: %v, %v; want the sandbox", car, err)
	}
	bad := config.Config{EventStore: config.SQLite, AramexAPIURL: "https://ws.aramex.net/ShippingAPI.V2?account=1&entity=DXB&country=AE",
		AramexAPISecret: "no-pin-in-this-secret"}
	if _, err := bookingCarrier(bad, exec, blobs, logger); err == nil {
		t.Fatal("an Aramex secret without a PIN was accepted")
	}
}
