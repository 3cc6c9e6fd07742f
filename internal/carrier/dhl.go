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
