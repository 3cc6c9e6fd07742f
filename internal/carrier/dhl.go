package carrier

import (
	"fmt"
	"strings"
	"time"

	"github.com/souq-market/souq/domain/shipment"
)

// DHL pushes the Shipment Tracking – Unified API's shape (the push variant
// of developer.dhl.com's "Shipment Tracking - Unified"): a list of
// shipments, each with its latest status and its events; every status
// carries a coarse statusCode (pre-transit, transit, delivered, failure,
// unknown) and DHL's own words. The words refine "transit" into out for
// delivery where DHL says so.
type dhlPayload struct {
	Shipments []struct {
		ID     string      `json:"id"`
		Status *dhlStatus  `json:"status"`
		Events []dhlStatus `json:"events"`
	} `json:"shipments"`
}

type dhlStatus struct {
	Timestamp string `json:"timestamp"`
	Location  struct {
		Address struct {
			Locality string `json:"addressLocality"`
		} `json:"address"`
	} `json:"location"`
	StatusCode  string `json:"statusCode"`
	Status      string `json:"status"`
	Description string `json:"description"`
}

func dhlTable() table {
	return table{
		"PRE-TRANSIT": shipment.PreTransit,
		"TRANSIT":     shipment.InTransit,
		"DELIVERED":   shipment.Delivered,
		"FAILURE":     shipment.Exception,
		// Refinements of the words DHL puts beside a statusCode.
		"TRANSIT/OUT FOR DELIVERY":      shipment.OutForDelivery,
		"TRANSIT/WITH DELIVERY COURIER": shipment.OutForDelivery,
		"FAILURE/DELIVERY ATTEMPTED":    shipment.FailedAttempt,
		"FAILURE/RETURNED TO SHIPPER":   shipment.ReturnedToSender,
	}
}

func parseDHL(body []byte) ([]Event, error) {
	var p dhlPayload
	if err := strict(body, &p); err != nil {
		return nil, err
	}
	refine := dhlTable()
	var out []Event
	for _, s := range p.Shipments {
		scans := s.Events
		if len(scans) == 0 && s.Status != nil {
			scans = []dhlStatus{*s.Status}
		}
		for _, st := range scans {
			at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(st.Timestamp))
			if err != nil {
				return nil, fmt.Errorf("%w: DHL timestamp %q is not RFC 3339", ErrMalformed, st.Timestamp)
			}
			words := strings.TrimSpace(st.Status)
			if words == "" {
				words = strings.TrimSpace(st.Description)
			}
			e := Event{TrackingNumber: s.ID, CarrierStatus: strings.TrimSpace(st.StatusCode + " " + words),
				code: st.StatusCode, Location: st.Location.Address.Locality, OccurredAt: at}
			if status, ok := refine[strings.ToUpper(st.StatusCode+"/"+words)]; ok {
				e.Status, e.Known = status, true
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// MyDHL API's tracking answer (GET /shipments/{number}/tracking): each
// shipment's events carry an Express checkpoint typeCode, words, a local
// date and time without a zone, and the service area. DHL publishes the
// checkpoint codes in the MyDHL API guide's appendix; these are the ones a
// parcel of souq's meets. An unlisted code is kept as an exception.
type dhlExpressPayload struct {
	Shipments []struct {
		TrackingNumber string `json:"shipmentTrackingNumber"`
		Events         []struct {
			Date        string `json:"date"`
			Time        string `json:"time"`
			TypeCode    string `json:"typeCode"`
			Description string `json:"description"`
			ServiceArea []struct {
				Description string `json:"description"`
			} `json:"serviceArea"`
		} `json:"events"`
	} `json:"shipments"`
}

func dhlExpressTable() table {
	return table{
		"SA": shipment.PreTransit,       // shipment acknowledged
		"PU": shipment.InTransit,        // picked up
		"PL": shipment.InTransit,        // processed at a location
		"DF": shipment.InTransit,        // departed a facility
		"AF": shipment.InTransit,        // arrived at a facility
		"AR": shipment.InTransit,        // arrived at the delivery facility
		"CR": shipment.InTransit,        // customs cleared
		"TP": shipment.InTransit,        // forwarded to a third party
		"WC": shipment.OutForDelivery,   // with delivery courier
		"OK": shipment.Delivered,        // delivered
		"DD": shipment.Delivered,        // delivered damaged
		"NH": shipment.FailedAttempt,    // not home
		"CA": shipment.FailedAttempt,    // closed on arrival
		"RT": shipment.ReturnedToSender, // returned to the shipper
		"BA": shipment.Exception,        // bad address
		"OH": shipment.Exception,        // on hold
		"HP": shipment.Exception,        // held for payment
		"CD": shipment.Exception,        // clearance delay
		"RD": shipment.Exception,        // refused by the consignee
	}
}

// MyDHL's times are local to the service area and carry no zone; souq
// reads them as UTC, which keeps a parcel's scans in order but may shift
// them by the local offset.
func parseDHLExpress(body []byte) ([]Event, error) {
	var p dhlExpressPayload
	if err := strict(body, &p); err != nil {
		return nil, err
	}
	express := dhlExpressTable()
	var out []Event
	for _, s := range p.Shipments {
		for _, ev := range s.Events {
			at, err := parseTime(strings.TrimSpace(ev.Date)+"T"+strings.TrimSpace(ev.Time), time.UTC)
			if err != nil {
				return nil, err
			}
			e := Event{TrackingNumber: s.TrackingNumber, CarrierStatus: strings.TrimSpace(ev.TypeCode + " " + ev.Description),
				code: ev.TypeCode, OccurredAt: at}
			if len(ev.ServiceArea) > 0 {
				e.Location = ev.ServiceArea[0].Description
			}
			// The Unified table knows none of these codes: ask the
			// Express one, an unknown code staying an exception.
			e.Status, e.Known = express.lookup(ev.TypeCode)
			out = append(out, e)
		}
	}
	return out, nil
}
