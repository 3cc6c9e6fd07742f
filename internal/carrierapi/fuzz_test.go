package carrierapi_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/internal/carrierapi"
)

// Whatever a carrier answers to a booking, the adapter books with a stored
// PDF label or fails with one of its codes; it never panics, and never
// calls an unreadable answer a booking.
func FuzzBookAnswer(f *testing.F) {
	f.Add(uint8(0), 200, []byte(`{"HasErrors":false,"Shipments":[{"ID":"1","ShipmentLabel":{"LabelURL":"LABEL"}}]}`))
	f.Add(uint8(1), 201, []byte(`{"shipmentTrackingNumber":"1","documents":[{"typeCode":"label","content":"JVBERi0xLjQ="}]}`))
	f.Add(uint8(2), 200, []byte(`{"sawb":"1","waybills":[{"awb":"1","awbFile":"JVBERi0xLjQ="}]}`))
	f.Add(uint8(3), 200, []byte(`{"status":"success","data":[{"status":"success","tracking_no":"1","awb_link":"LABEL"}]}`))
	f.Add(uint8(2), 400, []byte(`{"title":"t","errors":{"a":["b"]}}`))
	f.Add(uint8(0), 200, []byte(`{"HasErrors":false,"Shipments":[{"ID":"1","ShipmentLabel":{"LabelFileContents":[37,80,68,70,45]}}]}`))
	var mu sync.Mutex
	var status int
	var body string
	var s *stub
	s = newStub(f, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		mu.Lock()
		st, b := status, strings.ReplaceAll(body, "LABEL", s.srv.URL+"/label.pdf")
		mu.Unlock()
		switch r.URL.Path {
		case "/label.pdf":
			w.Write(labelPDF)
		case "/mydhlapi/tracking":
			reply(w, 404, dhlNotFound)
		default:
			reply(w, st, b)
		}
	})
	codes := []string{carrierapi.CodeUnavailable, carrierapi.CodeRefused, carrierapi.CodeBadAnswer, carrierapi.CodeCredentials}
	f.Fuzz(func(t *testing.T, which uint8, st int, answer []byte) {
		if st < 200 || st > 599 {
			return
		}
		mu.Lock()
		status, body = st, string(answer)
		mu.Unlock()
		opts, blobs := options(t)
		carriers := []shipment.Carrier{shipment.Aramex, shipment.DHL, shipment.SMSA, shipment.Fetchr}
		c := carriers[int(which)%len(carriers)]
		adapters := map[shipment.Carrier]func() carrierapi.Booker{
			shipment.Aramex: func() carrierapi.Booker { return newAramex(t, s, opts) },
			shipment.DHL:    func() carrierapi.Booker { return newDHL(t, s, opts) },
			shipment.SMSA:   func() carrierapi.Booker { return newSMSA(t, s, opts) },
			shipment.Fetchr: func() carrierapi.Booker { return newFetchr(t, s, opts) },
		}
		b, err := adapters[c]().Book(context.Background(), request(t, c))
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) || !slices.Contains(codes, de.Code) {
				t.Fatalf("%s: error %v is none of the adapters' codes", c, err)
			}
			return
		}
		if b.TrackingNumber == "" || !strings.HasPrefix(b.LabelKey, "labels/v-1/") {
			t.Fatalf("%s: booking %+v", c, b)
		}
		if _, err := blobs.Stat(context.Background(), b.LabelKey); err != nil {
			t.Fatalf("%s: label %s not stored: %v", c, b.LabelKey, err)
		}
	})
}
