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

// The POST /order/ request of the test's parcel, cash to collect, in the
// shape of Fetchr's dropship orders: the shipment ID as order_reference.
const fetchrWant = `{"client_address_id":"ADDR13940659_25321","data":[{"order_reference":"s-1","name":"Layla Haddad",
 "email":"layla@example.com","phone_number":"+971500000002","address":"Villa 12, Street 5, Al Mushrif","receiver_country":"AE",
 "receiver_city":"Abu Dhabi","payment_type":"COD","total_amount":150.00,"bag_count":1,"weight":1.5,"description":"Perfume"}]}`

func fetchrCreated(srv string) string {
	return `{"status":"success","data":[{"status":"success","tracking_no":"34146607575779","order_reference":"s-1",
	 "awb_link":"` + srv + `/awb/34146607575779.pdf","message":""}]}`
}

func newFetchr(t *testing.T, s *stub, opts carrierapi.Options) *carrierapi.Fetchr {
	t.Helper()
	f, err := carrierapi.NewFetchr(s.srv.URL+"?address_id=ADDR13940659_25321", "fetchr-token-0123456789", opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func fetchrServe(s **stub, create func(w http.ResponseWriter) bool) func(w http.ResponseWriter, r *http.Request, _ []byte) {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		switch r.URL.Path {
		case "/order/":
			if create != nil && create(w) {
				return
			}
			reply(w, 200, fetchrCreated((*s).srv.URL))
		case "/awb/34146607575779.pdf":
			w.Write(labelPDF)
		default:
			http.NotFound(w, r)
		}
	}
}

func TestFetchrBooks(t *testing.T) {
	var s *stub
	s = newStub(t, fetchrServe(&s, nil))
	opts, st := options(t)
	req := request(t, shipment.Fetchr)
	req.COD = money(t, 150_00)
	b, err := newFetchr(t, s, opts).Book(context.Background(), req)
	create := booked(t, st, s, b, err, "34146607575779", "/order/")
	sameJSON(t, create.Body, fetchrWant)
	if create.Header.Get("Authorization") != "Bearer fetchr-token-0123456789" {
		t.Errorf("authorization %q", create.Header.Get("Authorization"))
	}
	if got := s.to("GET", "/awb/34146607575779.pdf"); len(got) != 1 || got[0].Header.Get("Authorization") != "" {
		t.Errorf("label fetched %d times, or with the token", len(got))
	}
}

func TestFetchrRefusalsAndFailures(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		kind   domain.Kind
		code   string
		says   string
	}{
		{"refused", 200, `{"status":"error","message":"Invalid client_address_id"}`, domain.Invalid, carrierapi.CodeRefused, "Invalid client_address_id"},
		{"order refused", 200, `{"status":"success","data":[{"status":"error","message":"phone_number is invalid","order_reference":"s-1"}]}`,
			domain.Invalid, carrierapi.CodeRefused, "phone_number is invalid"},
		{"refused with 400", 400, `{"status":"error","message":"receiver_city is required"}`, domain.Invalid, carrierapi.CodeRefused, "receiver_city is required"},
		{"5xx", 500, `oops`, domain.Unavailable, carrierapi.CodeUnavailable, "busy or failing"},
		{"malformed JSON", 200, `{"status":"success","data":[{"tracking_no":`, domain.Internal, carrierapi.CodeBadAnswer, "documented JSON"},
		{"no tracking number", 200, `{"status":"success","data":[{"status":"success","awb_link":"https://x.example/a.pdf"}]}`,
			domain.Internal, carrierapi.CodeBadAnswer, "without a tracking_no"},
		{"no label", 200, `{"status":"success","data":[{"status":"success","tracking_no":"341"}]}`, domain.Internal, carrierapi.CodeBadAnswer, "without its awb_link"},
		{"label gone", 200, `LABEL_GONE`, domain.Internal, carrierapi.CodeBadAnswer, "no label at"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s *stub
			s = newStub(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				switch {
				case r.URL.Path == "/order/" && tc.body == "LABEL_GONE":
					reply(w, 200, `{"status":"success","data":[{"status":"success","tracking_no":"341","awb_link":"`+s.srv.URL+`/awb/gone.pdf"}]}`)
				case r.URL.Path == "/order/":
					reply(w, tc.status, tc.body)
				default:
					http.NotFound(w, r)
				}
			})
			opts, _ := options(t)
			_, err := newFetchr(t, s, opts).Book(context.Background(), request(t, shipment.Fetchr))
			wantError(t, err, tc.kind, tc.code, tc.says)
		})
	}
}

// Fetchr looked orders up by tracking number only: a retry after a lost
// answer creates a second order under the same reference. Pinned.
func TestFetchrRetryAfterLostAnswer(t *testing.T) {
	var s *stub
	n := 0
	s = newStub(t, fetchrServe(&s, func(w http.ResponseWriter) bool {
		if n++; n == 1 {
			loseAnswer(w)
			return true
		}
		return false
	}))
	opts, st := options(t)
	f := newFetchr(t, s, opts)
	bookedTwice(t, st, s, func() (shipcmd.Booking, error) { return f.Book(context.Background(), request(t, shipment.Fetchr)) }, "Fetchr", "/order/")
}

func TestFetchrTracks(t *testing.T) {
	s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.URL.Path != "/order/history/34146607575779/" {
			http.NotFound(w, r)
			return
		}
		reply(w, 200, `{"tracking_information":[
		 {"status_name":"uploaded","status_code":"UPL","status_date":"2018-06-27T10:20:37.317385","status_description":"Order Created"},
		 {"status_name":"delivered","status_code":"DLV","status_date":"2018-06-28T09:00:00","status_description":"Delivered"}],
		 "order_information":{"tracking_no":"34146607575779","client_ref":"s-1"},"status":"OK"}`)
	})
	opts, _ := options(t)
	events, err := newFetchr(t, s, opts).Track(context.Background(), "34146607575779")
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].Status != shipment.PreTransit || events[1].Status != shipment.Delivered {
		t.Fatalf("events %+v", events)
	}
}

// A tracking answer that is not the documented shape is a clear error.
func TestTrackRefusesHostileAnswers(t *testing.T) {
	for _, body := range []string{`{"tracking_information":[{"status_name":"delivered","status_date":"tomorrow"}],"order_information":{"tracking_no":"1"}}`,
		`[1,2,3]`, `{"tracking_information":`, "\xff\xfe"} {
		s := newStub(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { reply(w, 200, body) })
		opts, _ := options(t)
		_, err := newFetchr(t, s, opts).Track(context.Background(), "1")
		wantError(t, err, domain.Internal, carrierapi.CodeBadAnswer, "tracking answer souq cannot read")
	}
}
