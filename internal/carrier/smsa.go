package carrier

import (
	"time"

	"github.com/souq-market/souq/domain/shipment"
)

// SMSA Express publishes no push webhook either: its e-commerce REST API's
// tracking answer is an AWB with its Scans, each scan a two-letter
// ScanType, words, a time and a city. souq accepts that shape pushed to it.
// The scan types below are those of SMSA's answers; an unlisted one is kept
// as an exception.
type smsaPayload struct {
	AWB       string `json:"AWB"`
	Reference string `json:"Reference"`
	Scans     []struct {
		ScanType        string `json:"ScanType"`
		ScanDescription string `json:"ScanDescription"`
		ScanDateTime    string `json:"ScanDateTime"`
		City            string `json:"City"`
	} `json:"Scans"`
}

func smsaTable() table {
	return table{
		"DR": shipment.PreTransit,       // data received
		"PU": shipment.InTransit,        // picked up
		"AF": shipment.InTransit,        // arrived at a facility
		"DF": shipment.InTransit,        // departed a facility
		"OD": shipment.OutForDelivery,   // out for delivery
		"UD": shipment.FailedAttempt,    // undelivered: consignee not available
		"DL": shipment.Delivered,        // delivered
		"RT": shipment.ReturnedToSender, // returned to the client
		"HO": shipment.Exception,        // on hold
	}
}

// riyadh is where SMSA's times without a zone are stamped.
var riyadh = time.FixedZone("UTC+3", 3*3600)

func parseSMSA(body []byte) ([]Event, error) {
	var p smsaPayload
	if err := strict(body, &p); err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(p.Scans))
	for _, s := range p.Scans {
		at, err := parseTime(s.ScanDateTime, riyadh)
		if err != nil {
			return nil, err
		}
		out = append(out, Event{TrackingNumber: p.AWB, CarrierStatus: s.ScanType + " " + s.ScanDescription,
			code: s.ScanType, Location: s.City, OccurredAt: at})
	}
	return out, nil
}
