package carrier

import (
	"bytes"
	"encoding/json"
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
		"UPLOADED":               shipment.PreTransit, // the order history's "order created"
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

// Fetchr's former order-history answer (GET /order/history/{tracking}/ of
// its order API, as its client SDKs record it): the order's tracking
// number and reference, and its tracking_information, one status or a
// list of them, each with a status_name (the table's code), a status_code
// abbreviation, words and a UTC status_date. Whether the history answered
// one entry or a list is not recorded plainly; both are read.
type fetchrHistory struct {
	TrackingInformation jsonOneOrMany[fetchrStatus] `json:"tracking_information"`
	OrderInformation    struct {
		TrackingNo string `json:"tracking_no"`
		ClientRef  string `json:"client_ref"`
	} `json:"order_information"`
}

type fetchrStatus struct {
	StatusName        string `json:"status_name"`
	StatusCode        string `json:"status_code"`
	StatusDescription string `json:"status_description"`
	StatusDate        string `json:"status_date"`
}

func parseFetchrHistory(body []byte) ([]Event, error) {
	var p fetchrHistory
	if err := strict(body, &p); err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(p.TrackingInformation))
	for _, st := range p.TrackingInformation {
		at, err := parseTime(st.StatusDate, time.UTC)
		if err != nil {
			return nil, err
		}
		out = append(out, Event{TrackingNumber: p.OrderInformation.TrackingNo,
			CarrierStatus: st.StatusName + " " + st.StatusDescription, code: st.StatusName, OccurredAt: at})
	}
	return out, nil
}

// jsonOneOrMany reads a JSON value that is either one T or a list of them.
type jsonOneOrMany[T any] []T

func (m *jsonOneOrMany[T]) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
		return json.Unmarshal(t, (*[]T)(m))
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*m = jsonOneOrMany[T]{one}
	return nil
}
