package carrier

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/souq-market/souq/domain/shipment"
)

// Aramex publishes no push webhook of its own: its Tracking API
// (TrackShipments, JSON binding) answers TrackingResults, a list of
// waybill → scans, each scan with an UpdateCode (SHnnn), words, a time and
// a location. souq accepts exactly that shape pushed to it (by Aramex's
// integration team's push, or by a poller relaying the API's answers).
// The codes below are those seen in Aramex's API answers; Aramex publishes
// no complete table, so an unlisted code is kept as an exception.
type aramexPayload struct {
	TrackingResults []struct {
		Key   string `json:"Key"`
		Value []struct {
			WaybillNumber     string `json:"WaybillNumber"`
			UpdateCode        string `json:"UpdateCode"`
			UpdateDescription string `json:"UpdateDescription"`
			UpdateDateTime    string `json:"UpdateDateTime"`
			UpdateLocation    string `json:"UpdateLocation"`
			Comments          string `json:"Comments"`
			ProblemCode       string `json:"ProblemCode"`
		} `json:"Value"`
	} `json:"TrackingResults"`
}

func aramexTable() table {
	return table{
		"SH014": shipment.PreTransit,       // record created
		"SH012": shipment.InTransit,        // picked up
		"SH001": shipment.InTransit,        // received at the destination warehouse
		"SH047": shipment.InTransit,        // received at an Aramex facility
		"SH022": shipment.InTransit,        // departed the facility
		"SH003": shipment.OutForDelivery,   // out for delivery
		"SH033": shipment.FailedAttempt,    // delivery attempted, not delivered
		"SH005": shipment.Delivered,        // delivered
		"SH006": shipment.Delivered,        // collected by the consignee
		"SH007": shipment.Delivered,        // delivered (signed)
		"SH069": shipment.ReturnedToSender, // returned to the shipper
		"SH043": shipment.Exception,        // held (customs, address)
	}
}

// dubai is where Aramex's times without a zone are stamped.
var dubai = time.FixedZone("UTC+4", 4*3600)

// wcfDate is the WCF JSON date, /Date(milliseconds±hhmm)/.
var wcfDate = regexp.MustCompile(`^/Date\((-?\d+)([+-]\d{4})?\)/$`)

func aramexTime(s string) (time.Time, error) {
	if m := wcfDate.FindStringSubmatch(s); m != nil {
		ms, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: Aramex date %q", ErrMalformed, s)
		}
		return time.UnixMilli(ms), nil
	}
	return parseTime(s, dubai)
}

func parseAramex(body []byte) ([]Event, error) {
	var p aramexPayload
	if err := strict(body, &p); err != nil {
		return nil, err
	}
	var out []Event
	for _, r := range p.TrackingResults {
		for _, v := range r.Value {
			at, err := aramexTime(v.UpdateDateTime)
			if err != nil {
				return nil, err
			}
			awb := v.WaybillNumber
			if awb == "" {
				awb = r.Key
			}
			out = append(out, Event{TrackingNumber: awb, CarrierStatus: v.UpdateCode + " " + v.UpdateDescription,
				code: v.UpdateCode, Location: v.UpdateLocation, OccurredAt: at})
		}
	}
	return out, nil
}
