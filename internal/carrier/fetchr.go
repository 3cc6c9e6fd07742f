package carrier

import (
	"time"

	"github.com/souq-market/souq/domain/shipment"
)

// Fetchr ceased trading in 2021 and its API documentation is no longer
// published anywhere souq could read it. souq accepts this shape, in the
// style of Fetchr's former order-status callbacks: one status change per
// delivery, with an optional event ID, a snake_case status code, words, a
// location and an RFC 3339 time (or a local Dubai time).
type fetchrPayload struct {
	EventID           string `json:"event_id"`
	TrackingNo        string `json:"tracking_no"`
	StatusCode        string `json:"status_code"`
	StatusDescription string `json:"status_description"`
	Location          string `json:"location"`
	UpdatedAt         string `json:"updated_at"`
}

func fetchrTable() table {
	return table{
		"ORDER_CREATED":          shipment.PreTransit,
		"PICKED_UP":              shipment.InTransit,
		"AT_HUB":                 shipment.InTransit,
		"IN_TRANSIT":             shipment.InTransit,
		"SCHEDULED_FOR_DELIVERY": shipment.InTransit,
		"OUT_FOR_DELIVERY":       shipment.OutForDelivery,
		"ATTEMPTED":              shipment.FailedAttempt,
		"CUSTOMER_NOT_AVAILABLE": shipment.FailedAttempt,
		"DELIVERED":              shipment.Delivered,
		"RETURNED_TO_CLIENT":     shipment.ReturnedToSender,
		"HELD":                   shipment.Exception,
		"DAMAGED":                shipment.Exception,
	}
}

func parseFetchr(body []byte) ([]Event, error) {
	var p fetchrPayload
	if err := strict(body, &p); err != nil {
		return nil, err
	}
	at, err := parseTime(p.UpdatedAt, time.FixedZone("UTC+4", 4*3600))
	if err != nil {
		return nil, err
	}
	return []Event{{ID: p.EventID, TrackingNumber: p.TrackingNo, CarrierStatus: p.StatusCode + " " + p.StatusDescription,
		code: p.StatusCode, Location: p.Location, OccurredAt: at}}, nil
}
