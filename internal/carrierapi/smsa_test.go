package carrierapi_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"testing"

	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/internal/carrierapi"
)

// The b2c/new request of the test's parcel, cash to collect, in the shape
// of SMSA's e-commerce API: the shipment ID as OrderNumber, the waybill
// asked as a PDF.
const smsaWant = `{
 "ConsigneeAddress":{"ContactName":"Layla Haddad","ContactPhoneNumber":"+971500000002","Country":"AE","City":"Abu Dhabi",
  "AddressLine1":"Villa 12, Street 5","AddressLine2":"Al Mushrif"},
 "ShipperAddress":{"ContactName":"Oud House","ContactPhoneNumber":"+971500000001","Country":"AE","City":"Dubai","AddressLine1":"Warehouse 4, Al Quoz 3"},
 "OrderNumber":"s-1","DeclaredValue":450.00,"CODAmount":150.00,"Parcels":1,"ShipDate":"2024-05-01T10:00:00","ShipmentCurrency":"AED",
 "SMSARetailID":"RUH-01","WaybillType":"PDF","Weight":1.5,"WeightUnit":"KG","ContentDescription":"Perfume"}`

var smsaCreated = `{"sawb":"231200021000","createDate":"2024-05-01T13:00:00","shipmentParcelsCount":1,
 "waybills":[{"awb":"231200021000","awbFile":"` + base64.StdEncoding.EncodeToString(labelPDF) + `"}]}`

func newSMSA(t *testing.T, s *stub, opts carrierapi.Options) *carrierapi.SMSA {
	t.Helper()
	a, err := carrierapi.NewSMSA(s.srv.URL+"?retail_id=RUH-01", "b60dbb7bc50a4331a3411c820c08dffc", opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSMSABooks(t *testing.T) {
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { reply(w, 200, smsaCreated) })
	opts, st := options(t)
	req := request(t, shipment.SMSA)
	req.COD = money(t, 150_00)
	b, err := newSMSA(t, s, opts).Book(context.Background(), req)
	create := booked(t, st, s, b, err, "231200021000", "/api/shipment/b2c/new")
	sameJSON(t, create.Body, smsaWant)
	if create.Header.Get("apikey") != "b60dbb7bc50a4331a3411c820c08dffc" {
		t.Errorf("apikey header %q", create.Header.Get("apikey"))
	}
}

func TestSMSARefusalsAndFailures(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		kind   domain.Kind
		code   string
		says   string
	}{
		{"validation problem", 400, `{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.1","title":"One or more validation errors occurred.",
		 "status":400,"traceId":"00-1","errors":{"ShipperAddress.City":["The City field is required."],"ConsigneeAddress.Country":["Invalid country."]}}`,
			domain.Invalid, carrierapi.CodeRefused, "One or more validation errors occurred.; ConsigneeAddress.Country: Invalid country.; ShipperAddress.City: The City field is required."},
		{"bare message", 400, `"Invalid Retail ID"`, domain.Invalid, carrierapi.CodeRefused, "Invalid Retail ID"},
		{"not JSON", 404, `<html>Not Found</html>`, domain.Invalid, carrierapi.CodeRefused, "<html>Not Found</html> (HTTP 404)"},
		{"5xx", 502, `Bad gateway`, domain.Unavailable, carrierapi.CodeUnavailable, "busy or failing"},
		{"429", 429, `{}`, domain.Unavailable, carrierapi.CodeUnavailable, "busy or failing"},
		{"forbidden", 403, `{}`, domain.Internal, carrierapi.CodeCredentials, "credentials"},
		{"malformed JSON", 200, `{"sawb":"231200021000","waybills":[`, domain.Internal, carrierapi.CodeBadAnswer, "documented JSON"},
		{"no waybill", 200, `{"sawb":"231200021000","waybills":[]}`, domain.Internal, carrierapi.CodeBadAnswer, "no waybill"},
		{"no label", 200, `{"sawb":"231200021000","waybills":[{"awb":"231200021000","awbFile":""}]}`, domain.Internal, carrierapi.CodeBadAnswer, "not base64"},
		{"label not a PDF", 200, `{"waybills":[{"awb":"231200021000","awbFile":"` + base64.StdEncoding.EncodeToString([]byte("<html>")) + `"}]}`,
			domain.Internal, carrierapi.CodeBadAnswer, "not a PDF"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { reply(w, tc.status, tc.body) })
			opts, _ := options(t)
			_, err := newSMSA(t, s, opts).Book(context.Background(), request(t, shipment.SMSA))
			wantError(t, err, tc.kind, tc.code, tc.says)
		})
	}
}

// SMSA looks shipments up by AWB only: a retry after a lost answer books
// a second AWB under the same OrderNumber. Pinned, so a change is seen.
func TestSMSARetryAfterLostAnswer(t *testing.T) {
	n := 0
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if n++; n == 1 {
			loseAnswer(w)
			return
		}
		reply(w, 200, smsaCreated)
	})
	opts, st := options(t)
	a := newSMSA(t, s, opts)
	bookedTwice(t, st, s, func() (shipcmd.Booking, error) { return a.Book(context.Background(), request(t, shipment.SMSA)) }, "SMSA", "/api/shipment/b2c/new")
}

func TestSMSATracks(t *testing.T) {
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.URL.Path != "/api/track/single/231200021000" {
			reply(w, 404, `"AWB not found"`)
			return
		}
		reply(w, 200, `{"AWB":"231200021000","Reference":"s-1","Pieces":1,"CODAmount":150,"ContentDesc":"Perfume","isDelivered":true,"Scans":[
		 {"ReceivedBy":"","City":"Dubai","ScanType":"PU","ScanDescription":"Picked Up","ScanDateTime":"2024-05-01T10:00:00","ScanTimeZone":"+03:00"},
		 {"ReceivedBy":"","City":"Abu Dhabi","ScanType":"OD","ScanDescription":"Out for Delivery","ScanDateTime":"2024-05-02T09:00:00","ScanTimeZone":"+03:00"},
		 {"ReceivedBy":"LAYLA","City":"Abu Dhabi","ScanType":"DL","ScanDescription":"Delivered","ScanDateTime":"2024-05-02T11:00:00","ScanTimeZone":"+03:00"}]}`)
	})
	opts, _ := options(t)
	a := newSMSA(t, s, opts)
	events, err := a.Track(context.Background(), "231200021000")
	if err != nil {
		t.Fatal(err)
	}
	want := []shipment.Status{shipment.InTransit, shipment.OutForDelivery, shipment.Delivered}
	if len(events) != len(want) {
		t.Fatalf("events %+v", events)
	}
	for i, e := range events {
		if e.Status != want[i] {
			t.Errorf("event %d: %s, want %s", i, e.Status, want[i])
		}
	}
	_, err = a.Track(context.Background(), "1")
	wantError(t, err, domain.Invalid, carrierapi.CodeRefused, "AWB not found")
}
