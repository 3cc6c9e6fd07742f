package writeapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/souq-market/souq/commands"
	ordercmd "github.com/souq-market/souq/commands/order"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/eventstore"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/blob"
	"github.com/souq-market/souq/internal/carrierapi"
)

// parcelJSON is a described parcel from a Dubai vendor to a customer in
// Abu Dhabi, as a vendor sends it beside the shipment's references.
const parcelJSON = `"ship_from":{"name":"Oud House","company":"Oud House LLC","phone":"+971500000001","email":"ship@oudhouse.example",
 "line1":"Warehouse 4, Al Quoz 3","city":"Dubai","country":"AE"},
 "ship_to":{"name":"Layla Haddad","phone":"+971500000002","email":"layla@example.com","line1":"Villa 12, Street 5",
 "line2":"Al Mushrif","city":"Abu Dhabi","region":"Abu Dhabi","postal_code":"00000","country":"AE"},
 "weight_grams":1500,"pieces":2,"contents":"Perfume","declared_value":{"amount":45000,"currency":"AED"}`

// personal is what of the parcel must never reach the log.
var personal = []string{"Layla", "+971500000002", "layla@example.com", "Villa 12", "Mushrif", "Warehouse 4", "+971500000001"}

// shippable places c-1's order o-1 (oud-50 of v-1) and confirms it, and
// answers the start of a shipment body for v-1's sub-order.
func (e *env) shippable() string {
	e.t.Helper()
	e.ok(e.post("/v1/orders", e.token(auth.Customer, "c-1"), `{"order_id":"o-1","country":"AE","payment_method":"cod","lines":[{"sku":"oud-50","quantity":1}]}`),
		201, "order-o-1", order.TypePlaced, auth.Actor{UserID: "c-1", Role: auth.Customer})
	if _, err := (ordercmd.Confirm{Deps: ordercmd.Deps{Exec: e.exec, Now: time.Now}}).Handle(context.Background(),
		ordercmd.For[order.Confirm]{OrderID: "o-1"}, commands.Meta{}); err != nil {
		e.t.Fatal(err)
	}
	return `{"shipment_id":"s-1","order_id":"o-1","sub_order_id":"` + e.subOrders("o-1")["v-1"] + `"`
}

// noPlaintext fails if any event in the store holds a piece of the parcel.
func (e *env) noPlaintext() {
	e.t.Helper()
	evs, err := e.store.ReadAll(context.Background(), 0, 10_000)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range evs {
		meta, _ := json.Marshal(r.Metadata)
		for _, p := range personal {
			if bytes.Contains(r.Data, []byte(p)) || bytes.Contains(meta, []byte(p)) {
				e.t.Fatalf("%s at %d holds %q: %s %s", r.Type, r.Position, p, r.Data, meta)
			}
		}
	}
}

// The parcel a vendor describes reaches the carrier as sent, and nothing
// of it is recorded: the shipment's event holds references only.
func TestShipmentParcelGoesToTheCarrierOnly(t *testing.T) {
	carrier := &bookings{}
	e := newEnv(t, func(d *Deps) { d.Carrier = carrier })
	body := e.shippable() + `,"carrier":"smsa",` + parcelJSON + `}`
	e.ok(e.post("/v1/shipments", e.token(auth.Vendor, "v-1"), body), 201, "shipment-s-1", shipment.TypeCreated, auth.Actor{UserID: "v-1", Role: auth.Vendor})
	value, _ := domain.New(45000, domain.AED)
	want := shipcmd.Parcel{
		From: shipcmd.Party{Name: "Oud House", Company: "Oud House LLC", Phone: "+971500000001", Email: "ship@oudhouse.example",
			Line1: "Warehouse 4, Al Quoz 3", City: "Dubai", Country: "AE"},
		To: shipcmd.Party{Name: "Layla Haddad", Phone: "+971500000002", Email: "layla@example.com", Line1: "Villa 12, Street 5",
			Line2: "Al Mushrif", City: "Abu Dhabi", Region: "Abu Dhabi", PostalCode: "00000", Country: "AE"},
		WeightGrams: 1500, Pieces: 2, Contents: "Perfume", Value: value}
	if len(carrier.asked) != 1 || carrier.asked[0].Parcel != want {
		t.Fatalf("the carrier was asked %+v\nwant parcel %+v", carrier.asked, want)
	}
	e.noPlaintext()
}

// Every bad parcel is refused with each problem named, before any carrier
// is asked and with nothing written.
func TestShipmentParcelRefused(t *testing.T) {
	carrier := &bookings{}
	e := newEnv(t, func(d *Deps) { d.Carrier = carrier })
	start := e.shippable() + `,"carrier":"smsa",`
	from := `"ship_from":{"name":"Oud House","phone":"+971500000001","line1":"W 4","city":"Dubai","country":"AE"}`
	to := `"ship_to":{"name":"Layla","phone":"+971500000002","line1":"Villa 12","city":"Abu Dhabi","country":"AE"}`
	for _, tc := range []struct {
		name, body string
		status     int
		fields     []string // every one must be named
	}{
		{"weight only (ship_to: the order's)", `"weight_grams":100`, 422, []string{"ship_from"}},
		{"no weight", from + `,` + to, 422, []string{"weight_grams"}},
		{"negative weight and pieces", from + `,` + to + `,"weight_grams":-1,"pieces":-2`, 422, []string{"weight_grams", "pieces"}},
		{"a tonne, 1000 pieces", from + `,` + to + `,"weight_grams":1000000,"pieces":1000`, 422, []string{"weight_grams", "pieces"}},
		{"weight as a string", from + `,` + to + `,"weight_grams":"1500"`, 422, []string{"weight_grams"}},
		{"weight as a float", from + `,` + to + `,"weight_grams":1.5`, 422, []string{"weight_grams"}},
		{"weight past int64", from + `,` + to + `,"weight_grams":99999999999999999999`, 422, []string{"weight_grams"}},
		{"ship_to null (the order's)", from + `,"ship_to":null,"weight_grams":100,"pieces":-1`, 422, []string{"pieces"}},
		{"ship_to a string", from + `,"ship_to":"Abu Dhabi","weight_grams":100`, 422, []string{"ship_to"}},
		{"empty ends", `"ship_from":{},"ship_to":{},"weight_grams":100`, 422, []string{"ship_from.name", "ship_from.phone",
			"ship_from.line1", "ship_from.city", "ship_from.country", "ship_to.name", "ship_to.phone", "ship_to.line1", "ship_to.city", "ship_to.country"}},
		{"unknown field in an end", from + `,"ship_to":{"name":"L","phone":"+971500000002","line1":"V","city":"A","country":"AE","floor":3},"weight_grams":100`, 422, []string{"floor"}},
		{"bad phone, email, country", from + `,"ship_to":{"name":"L","phone":"call me","email":"a@@b","line1":"V","city":"A","country":"US"},"weight_grams":100`,
			422, []string{"ship_to.phone", "ship_to.email", "ship_to.country"}},
		{"too long", from + `,"ship_to":{"name":"` + strings.Repeat("x", 201) + `","phone":"+971500000002","line1":"` + strings.Repeat("y", 201) +
			`","city":"A","postal_code":"` + strings.Repeat("9", 21) + `","country":"AE"},"weight_grams":100,"contents":"` + strings.Repeat("z", 201) + `"`,
			422, []string{"ship_to.name", "ship_to.line1", "ship_to.postal_code", "contents"}},
		{"control characters", from + `,"ship_to":{"name":"L\u0000","phone":"+971500000002\n","line1":"V\r\nX","city":"A\t","country":"AE"},"weight_grams":100`,
			422, []string{"ship_to.name", "ship_to.phone", "ship_to.line1", "ship_to.city"}},
		{"declared value", from + `,` + to + `,"weight_grams":100,"declared_value":{"amount":-5,"currency":"AED"}`, 422, []string{"declared_value"}},
		{"declared value currency", from + `,` + to + `,"weight_grams":100,"declared_value":{"amount":5,"currency":"XXX"}`, 422, []string{"declared_value.currency"}},
		{"parcel with a label bought elsewhere", `"tracking_number":"T1","label_key":"labels/v-1/x.pdf",` + from + `,` + to + `,"weight_grams":100`,
			422, []string{"ship_from", "ship_to", "weight_grams"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.head()
			rec := e.post("/v1/shipments", e.token(auth.Vendor, "v-1"), start+tc.body+`}`)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			for _, f := range tc.fields {
				if !strings.Contains(rec.Body.String(), `"field":"`+f+`"`) {
					t.Errorf("problem of %s not named: %s", f, rec.Body)
				}
			}
			if e.head() != before || len(carrier.asked) != 0 {
				t.Fatalf("a refused parcel wrote (head %d → %d) or reached the carrier (%d)", before, e.head(), len(carrier.asked))
			}
		})
	}
}

// smsaStub is SMSA's e-commerce API in a test: it books one parcel and
// answers its tracking with the scans it is given.
type smsaStub struct {
	mu      sync.Mutex
	booked  [][]byte
	scans   string
	tracked int
}

var labelPDF = []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")

func (s *smsaStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == "POST" && r.URL.Path == "/api/shipment/b2c/new":
		s.booked = append(s.booked, body)
		io.WriteString(w, `{"sawb":"231200021000","waybills":[{"awb":"231200021000","awbFile":"`+base64.StdEncoding.EncodeToString(labelPDF)+`"}]}`)
	case r.Method == "GET" && r.URL.Path == "/api/track/single/231200021000":
		s.tracked++
		io.WriteString(w, `{"AWB":"231200021000","Scans":[`+s.scans+`]}`)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// End to end: a vendor ships through the write API with SMSA configured
// (against a stub of its API); the label SMSA answered is stored, nothing
// of the parcel is recorded, and the tracking poller — rebuilt from the
// log, as at a restart — records SMSA's scans until the parcel is
// delivered, then asks no more.
func TestShipmentBookedWithSMSAThenPolled(t *testing.T) {
	ctx := context.Background()
	stub := &smsaStub{}
	srv := httptest.NewServer(stub)
	t.Cleanup(srv.Close)
	files, err := blob.NewFiles(t.TempDir(), blob.Links{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	smsa, err := carrierapi.NewSMSA(srv.URL+"?retail_id=RUH-01", "b60dbb7bc50a4331a3411c820c08dffc",
		carrierapi.Options{Blobs: files, HTTP: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	router := carrierapi.NewRouter(nil, smsa)
	e := newEnv(t, func(d *Deps) { d.Carrier = router })

	// Without a parcel, SMSA cannot book: the vendor is told what is missing.
	start := e.shippable() + `,"carrier":"smsa"`
	if rec := e.post("/v1/shipments", e.token(auth.Vendor, "v-1"), start+`}`); rec.Code != 422 || !strings.Contains(rec.Body.String(), carrierapi.CodeParcelRequired) {
		t.Fatalf("a booking with no parcel: %d %s", rec.Code, rec.Body)
	}
	e.ok(e.post("/v1/shipments", e.token(auth.Vendor, "v-1"), start+`,`+parcelJSON+`}`), 201, "shipment-s-1", shipment.TypeCreated,
		auth.Actor{UserID: "v-1", Role: auth.Vendor})
	if len(stub.booked) != 1 || !bytes.Contains(stub.booked[0], []byte(`"ContactName":"Layla Haddad"`)) {
		t.Fatalf("SMSA was asked %q", stub.booked)
	}
	var created shipment.Created
	if err := json.Unmarshal(e.last("shipment-s-1").Data, &created); err != nil {
		t.Fatal(err)
	}
	rc, info, err := files.Get(ctx, created.LabelKey)
	if err != nil {
		t.Fatalf("label %q: %v", created.LabelKey, err)
	}
	label, _ := io.ReadAll(rc)
	rc.Close()
	if created.TrackingNumber != "231200021000" || info.ContentType != blob.PDF || !bytes.Equal(label, labelPDF) {
		t.Fatalf("recorded %+v, label %s %q", created, info.ContentType, label)
	}
	e.noPlaintext()

	poller := carrierapi.NewPoller(carrierapi.PollerOptions{Exec: e.exec, Router: router})
	if n, err := poller.Rebuild(ctx, e.store); err != nil || n != 1 {
		t.Fatalf("rebuilt watching %d: %v", n, err)
	}
	stub.mu.Lock()
	stub.scans = `{"City":"Dubai","ScanType":"PU","ScanDescription":"Picked Up","ScanDateTime":"2024-05-01T10:00:00"}`
	stub.mu.Unlock()
	if err := poller.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.statuses("s-1"); len(got) != 1 || got[0] != shipment.InTransit {
		t.Fatalf("after a pick-up scan: %v", got)
	}
	stub.mu.Lock()
	stub.scans += `,{"City":"Abu Dhabi","ScanType":"DL","ScanDescription":"Delivered","ScanDateTime":"2024-05-02T11:00:00"}`
	stub.mu.Unlock()
	if err := poller.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.statuses("s-1"); len(got) != 2 || got[1] != shipment.Delivered {
		t.Fatalf("after delivery: %v", got)
	}
	asked := stub.tracked
	if err := poller.Poll(ctx); err != nil || poller.Watching() != 0 || stub.tracked != asked {
		t.Fatalf("a delivered parcel is still followed: %v, watching %d", err, poller.Watching())
	}
}

// statuses lists the statuses a shipment's scans moved it to.
func (e *env) statuses(id domain.ShipmentID) []shipment.Status {
	e.t.Helper()
	stream, _ := commands.ShipmentStream(id)
	evs, err := e.store.ReadStream(context.Background(), stream, eventstore.ReadStreamOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []shipment.Status
	for _, r := range evs {
		if r.Type == shipment.TypeStatusChanged {
			var c shipment.StatusChanged
			if err := json.Unmarshal(r.Data, &c); err != nil {
				e.t.Fatal(err)
			}
			out = append(out, c.Status)
		}
	}
	return out
}
