package carrierapi_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/internal/carrierapi"
)

// The POST /shipments request of the test's parcel, in MyDHL's shape: the
// shipment ID as the customer reference of the shipment and its package,
// the label asked as a PDF.
const dhlWant = `{"plannedShippingDateAndTime":"2024-05-01T10:00:00 GMT+00:00","pickup":{"isRequested":false},"productCode":"N",
 "accounts":[{"typeCode":"shipper","number":"123456789"}],
 "customerReferences":[{"value":"s-1","typeCode":"CU"}],
 "outputImageProperties":{"encodingFormat":"pdf","imageOptions":[{"typeCode":"label","isRequested":true}]},
 "customerDetails":{
  "shipperDetails":{"postalAddress":{"postalCode":"","cityName":"Dubai","countryCode":"AE","addressLine1":"Warehouse 4, Al Quoz 3"},
   "contactInformation":{"email":"ship@oudhouse.example","phone":"+971500000001","companyName":"Oud House LLC","fullName":"Oud House"}},
  "receiverDetails":{"postalAddress":{"postalCode":"","cityName":"Abu Dhabi","countryCode":"AE","addressLine1":"Villa 12, Street 5","addressLine2":"Al Mushrif"},
   "contactInformation":{"email":"layla@example.com","phone":"+971500000002","companyName":"Layla Haddad","fullName":"Layla Haddad"}}},
 "content":{"packages":[{"weight":1.5,"customerReferences":[{"value":"s-1","typeCode":"CU"}]}],"isCustomsDeclarable":false,
  "declaredValue":450.00,"declaredValueCurrency":"AED","description":"Perfume","incoterm":"DAP","unitOfMeasurement":"metric"}}`

var dhlLabel = `{"typeCode":"label","imageFormat":"PDF","content":"` + base64.StdEncoding.EncodeToString(labelPDF) + `"}`

const dhlNotFound = `{"instance":"/expressapi/tracking","detail":"No shipment found","title":"Not found","message":"Not found","status":"404"}`

// dhlCarrier is a stateful MyDHL stub: it remembers what it booked by
// customer reference, as DHL does, and answers its look-up, its label
// again and its creation (which the test may lose or refuse).
type dhlCarrier struct {
	booked map[string]string // reference → shipment number
	create func(w http.ResponseWriter) bool
}

func (d *dhlCarrier) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	switch {
	case r.Method == "GET" && r.URL.Path == "/mydhlapi/tracking":
		if n, ok := d.booked[r.URL.Query().Get("shipmentReference")]; ok {
			reply(w, 200, `{"shipments":[{"shipmentTrackingNumber":"`+n+`","status":"Success","shipmentTimestamp":"2024-05-01T10:00:00"}]}`)
			return
		}
		reply(w, 404, dhlNotFound)
	case r.Method == "POST" && r.URL.Path == "/mydhlapi/shipments":
		d.booked["s-1"] = "1234567890"
		if d.create != nil && d.create(w) {
			return
		}
		reply(w, 201, `{"url":"https://express.api.dhl.com/mydhlapi/shipments","shipmentTrackingNumber":"1234567890",
		 "trackingUrl":"https://express.api.dhl.com/mydhlapi/shipments/1234567890/tracking",
		 "packages":[{"referenceNumber":1,"trackingNumber":"JD914600003889482921","trackingUrl":"https://express.api.dhl.com/mydhlapi/shipments/1234567890/tracking?pieceTrackingNumber=JD914600003889482921"}],
		 "documents":[`+dhlLabel+`]}`)
	case r.Method == "GET" && r.URL.Path == "/mydhlapi/shipments/1234567890/get-image":
		reply(w, 200, `{"documents":[`+dhlLabel+`]}`)
	default:
		http.NotFound(w, r)
	}
}

func newDHL(t *testing.T, s *stub, opts carrierapi.Options) *carrierapi.DHL {
	t.Helper()
	d, err := carrierapi.NewDHL(s.srv.URL+"/mydhlapi?account=123456789", "apiKey:apiSecret", opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDHLBooks(t *testing.T) {
	dc := &dhlCarrier{booked: map[string]string{}}
	s := newStub(t, dc.serve)
	opts, st := options(t)
	b, err := newDHL(t, s, opts).Book(context.Background(), request(t, shipment.DHL))
	create := booked(t, st, s, b, err, "1234567890", "/mydhlapi/shipments")
	sameJSON(t, create.Body, dhlWant)
	if got := create.Header.Get("Authorization"); got != "Basic "+base64.StdEncoding.EncodeToString([]byte("apiKey:apiSecret")) {
		t.Errorf("authorization %q", got)
	}
	lookups := s.to("GET", "/mydhlapi/tracking")
	if len(lookups) != 1 {
		t.Fatalf("%d look-ups before booking", len(lookups))
	}
	q := lookups[0].Query
	if q.Get("shipmentReference") != "s-1" || q.Get("shipmentReferenceType") != "CU" || q.Get("shipperAccountNumber") != "123456789" ||
		q.Get("dateRangeFrom") != "2024-04-01" || q.Get("dateRangeTo") != "2024-05-02" {
		t.Errorf("look-up query %v", q)
	}
}

// The answer to the creation is lost; the retry finds the parcel by its
// reference and fetches its label, and DHL books it once.
func TestDHLRetryAfterLostAnswerBooksOnce(t *testing.T) {
	dc := &dhlCarrier{booked: map[string]string{}}
	lose := true
	dc.create = func(w http.ResponseWriter) bool {
		if lose {
			lose = false
			loseAnswer(w)
			return true
		}
		return false
	}
	s := newStub(t, dc.serve)
	opts, st := options(t)
	d := newDHL(t, s, opts)
	_, err := d.Book(context.Background(), request(t, shipment.DHL))
	wantError(t, err, domain.Unavailable, carrierapi.CodeUnavailable, "DHL could not be reached")
	b, err := d.Book(context.Background(), request(t, shipment.DHL))
	if err != nil {
		t.Fatal(err)
	}
	if b.TrackingNumber != "1234567890" {
		t.Fatalf("tracking number %q", b.TrackingNumber)
	}
	wantLabel(t, st, b)
	if n := len(s.to("POST", "/mydhlapi/shipments")); n != 1 {
		t.Fatalf("DHL booked %d times", n)
	}
	img := s.to("GET", "/mydhlapi/shipments/1234567890/get-image")
	if len(img) != 1 || img[0].Query.Get("typeCode") != "label" || img[0].Query.Get("shipperAccountNumber") != "123456789" {
		t.Fatalf("label fetched again by %v", img)
	}
}

func TestDHLRefusalsAndFailures(t *testing.T) {
	problem := `{"instance":"/expressapi/shipments","detail":"Multiple problems found, see Additional Details","title":"Validation error",
	 "message":"Validation error","status":"422","additionalDetails":["postalCode is missing in receiverDetails"]}`
	cases := []struct {
		name   string
		lookup func(w http.ResponseWriter) // nil: not found
		create func(w http.ResponseWriter)
		kind   domain.Kind
		code   string
		says   string
	}{
		{"refused", nil, func(w http.ResponseWriter) { reply(w, 422, problem) },
			domain.Invalid, carrierapi.CodeRefused, "Validation error; Multiple problems found, see Additional Details; postalCode is missing in receiverDetails"},
		{"5xx", nil, func(w http.ResponseWriter) { reply(w, 500, `{"title":"Internal error"}`) }, domain.Unavailable, carrierapi.CodeUnavailable, "busy or failing"},
		{"look-up down", func(w http.ResponseWriter) { reply(w, 503, `upstream`) }, nil, domain.Unavailable, carrierapi.CodeUnavailable, "busy or failing"},
		{"malformed JSON", nil, func(w http.ResponseWriter) { reply(w, 201, `{"shipmentTrackingNumber":"1234567890","documents":[{`) },
			domain.Internal, carrierapi.CodeBadAnswer, "documented JSON"},
		{"no number", nil, func(w http.ResponseWriter) { reply(w, 201, `{"documents":[`+dhlLabel+`]}`) },
			domain.Internal, carrierapi.CodeBadAnswer, "no shipmentTrackingNumber"},
		{"no label", nil, func(w http.ResponseWriter) {
			reply(w, 201, `{"shipmentTrackingNumber":"1234567890","documents":[{"typeCode":"invoice","imageFormat":"PDF","content":"JVBERi0="}]}`)
		}, domain.Internal, carrierapi.CodeBadAnswer, "without a label"},
		{"label not base64", nil, func(w http.ResponseWriter) {
			reply(w, 201, `{"shipmentTrackingNumber":"1234567890","documents":[{"typeCode":"label","content":"%%%"}]}`)
		}, domain.Internal, carrierapi.CodeBadAnswer, "not base64"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				switch {
				case r.URL.Path == "/mydhlapi/tracking" && tc.lookup != nil:
					tc.lookup(w)
				case r.URL.Path == "/mydhlapi/tracking":
					reply(w, 404, dhlNotFound)
				case tc.create != nil:
					tc.create(w)
				default:
					t.Errorf("unexpected %s %s", r.Method, r.URL)
				}
			})
			opts, _ := options(t)
			_, err := newDHL(t, s, opts).Book(context.Background(), request(t, shipment.DHL))
			wantError(t, err, tc.kind, tc.code, tc.says)
		})
	}
}

func TestDHLRefusesCashOnDelivery(t *testing.T) {
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { t.Errorf("called %s", r.URL) })
	opts, _ := options(t)
	req := request(t, shipment.DHL)
	req.COD = money(t, 10_00)
	_, err := newDHL(t, s, opts).Book(context.Background(), req)
	wantError(t, err, domain.Invalid, carrierapi.CodeRefused, "cash on delivery")
}

func TestDHLTracks(t *testing.T) {
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.URL.Path != "/mydhlapi/shipments/1234567890/tracking" {
			reply(w, 404, dhlNotFound)
			return
		}
		reply(w, 200, `{"shipments":[{"shipmentTrackingNumber":"1234567890","status":"Success","shipmentTimestamp":"2024-05-01T18:00:31","productCode":"N",
		 "events":[{"date":"2024-05-01","time":"18:00:31","typeCode":"PU","description":"Shipment picked up","serviceArea":[{"code":"DXB","description":"Dubai-AE"}]},
		  {"date":"2024-05-02","time":"08:30:00","typeCode":"WC","description":"With delivery courier","serviceArea":[{"code":"AUH","description":"Abu Dhabi-AE"}]},
		  {"date":"2024-05-02","time":"11:00:00","typeCode":"OK","description":"Delivered","serviceArea":[{"code":"AUH","description":"Abu Dhabi-AE"}],"signedBy":"LAYLA"}]}]}`)
	})
	opts, _ := options(t)
	d := newDHL(t, s, opts)
	events, err := d.Track(context.Background(), "1234567890")
	if err != nil {
		t.Fatal(err)
	}
	want := []shipment.Status{shipment.InTransit, shipment.OutForDelivery, shipment.Delivered}
	if len(events) != len(want) {
		t.Fatalf("events %+v", events)
	}
	for i, e := range events {
		if e.Status != want[i] || e.TrackingNumber != "1234567890" {
			t.Errorf("event %d: %+v, want %s", i, e, want[i])
		}
	}
	if q := s.to("GET", "/mydhlapi/shipments/1234567890/tracking")[0].Query; q.Get("trackingView") != "all-checkpoints" {
		t.Errorf("tracking query %v", q)
	}
	// Not scanned yet: DHL answers 404, which is no events.
	if events, err := d.Track(context.Background(), "999"); err != nil || len(events) != 0 {
		t.Fatalf("unknown shipment: %v, %v", events, err)
	}
}

func TestNewDHLRefusesBadSettings(t *testing.T) {
	opts, _ := options(t)
	for _, tc := range []struct{ url, key string }{
		{"https://express.api.dhl.com/mydhlapi", "k:s"},               // no account
		{"https://express.api.dhl.com/mydhlapi?account=1", "k"},       // no secret
		{"ftp://express.api.dhl.com/mydhlapi?account=1", "k:s"},       // not https
		{"http://express.api.dhl.com/mydhlapi?account=1", "k:s"},      // http off loopback
		{"https://express.api.dhl.com/mydhlapi?account=1", ":secret"}, // no key
	} {
		if _, err := carrierapi.NewDHL(tc.url, tc.key, opts); err == nil {
			t.Errorf("NewDHL(%q, %q) accepted", tc.url, tc.key)
		}
	}
}
