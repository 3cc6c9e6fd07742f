package carrier

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/souq-market/souq/domain/shipment"
)

// ErrMalformed is a payload that is not the carrier's documented shape.
var ErrMalformed = errors.New("carrier: malformed payload")

// ErrNoEvents is a payload of the right shape without a scan: malformed as
// a webhook delivery, but the honest answer of a tracking API about a
// parcel not scanned yet.
var ErrNoEvents = fmt.Errorf("%w: no tracking event in the payload", ErrMalformed)

// Event is one carrier scan, normalized.
type Event struct {
	// ID identifies the scan across deliveries: the carrier's own event ID
	// when it sends one, else a digest of the tracking number, the
	// carrier's status and the time, which a resend repeats exactly.
	ID             string
	TrackingNumber string
	Status         shipment.Status
	// CarrierStatus is the carrier's own code and words, kept for support
	// and for statuses no table knows.
	CarrierStatus string
	Location      string
	OccurredAt    time.Time
	// Known is false when the table did not know the carrier's status;
	// Status is then shipment.Exception.
	Known bool
	// code is what the table is asked, when it is not CarrierStatus.
	code string
}

// table maps a carrier's status codes onto normalized statuses.
type table map[string]shipment.Status

// lookup normalizes code through t; an unknown code is an exception.
func (t table) lookup(code string) (shipment.Status, bool) {
	if s, ok := t[strings.ToUpper(strings.TrimSpace(code))]; ok {
		return s, true
	}
	return shipment.Exception, false
}

// parser reads one carrier's payload into scans.
type parser func(body []byte) ([]Event, error)

// Carrier is one carrier's reader of webhooks and of tracking answers.
type Carrier struct {
	name  shipment.Carrier
	parse parser // a webhook delivery
	track parser // an answer of the carrier's tracking API
	table table
}

// Lookup returns the reader of the named carrier. Aramex's and SMSA's
// webhooks are their tracking APIs' answers pushed, so one parser reads
// both; DHL's webhook is the Unified tracking shape while its MyDHL API
// answers in Express checkpoint codes, and Fetchr's order history has a
// shape of its own.
func Lookup(name string) (Carrier, bool) {
	switch shipment.Carrier(name) {
	case shipment.Fetchr:
		return Carrier{shipment.Fetchr, parseFetchr, parseFetchrHistory, fetchrTable()}, true
	case shipment.Aramex:
		return Carrier{shipment.Aramex, parseAramex, parseAramex, aramexTable()}, true
	case shipment.SMSA:
		return Carrier{shipment.SMSA, parseSMSA, parseSMSA, smsaTable()}, true
	case shipment.DHL:
		return Carrier{shipment.DHL, parseDHL, parseDHLExpress, dhlTable()}, true
	}
	return Carrier{}, false
}

// Names lists the carriers Lookup knows.
func Names() []shipment.Carrier {
	return []shipment.Carrier{shipment.Fetchr, shipment.Aramex, shipment.SMSA, shipment.DHL}
}

// Name is the carrier's name.
func (c Carrier) Name() shipment.Carrier { return c.name }

// Parse reads a verified body into normalized scans, in the payload's
// order. It refuses invalid UTF-8, bodies that are not the carrier's shape,
// and scans without a tracking number, a status or a time.
func (c Carrier) Parse(body []byte) ([]Event, error) { return c.read(c.parse, body) }

// ParseTracking reads an answer of the carrier's tracking API (Aramex
// TrackShipments, SMSA track, MyDHL shipment tracking, Fetchr order
// history) into normalized scans, with the same checks as Parse.
func (c Carrier) ParseTracking(body []byte) ([]Event, error) { return c.read(c.track, body) }

func (c Carrier) read(parse parser, body []byte) ([]Event, error) {
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("%w: the body is not valid UTF-8", ErrMalformed)
	}
	events, err := parse(body)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, ErrNoEvents
	}
	for i := range events {
		e := &events[i]
		e.TrackingNumber = strings.TrimSpace(e.TrackingNumber)
		code := strings.TrimSpace(e.code)
		if code == "" {
			code = strings.TrimSpace(e.CarrierStatus)
		}
		e.CarrierStatus = limit(strings.TrimSpace(e.CarrierStatus))
		e.Location = limit(strings.TrimSpace(e.Location))
		switch {
		case e.TrackingNumber == "":
			return nil, fmt.Errorf("%w: event %d has no tracking number", ErrMalformed, i)
		case code == "":
			return nil, fmt.Errorf("%w: event %d has no status", ErrMalformed, i)
		case e.OccurredAt.IsZero():
			return nil, fmt.Errorf("%w: event %d has no time", ErrMalformed, i)
		}
		if e.Status == "" {
			e.Status, e.Known = c.table.lookup(code)
		}
		if e.ID == "" {
			e.ID = digest(string(c.name), e.TrackingNumber, code, e.OccurredAt.UTC().Format(time.RFC3339Nano))
		}
	}
	return events, nil
}

// MaxText is the most of a carrier's words or a location a shipment
// keeps, in bytes; longer ones are cut on a rune boundary.
const MaxText = 255

func limit(s string) string {
	if len(s) <= MaxText {
		return s
	}
	return strings.ToValidUTF8(s[:MaxText], "") // drops a rune cut in two
}

// digest is a stable event ID for carriers that send none.
func digest(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "d-" + hex.EncodeToString(h[:16])
}

// strict decodes JSON into dst, refusing trailing data; unknown fields are
// let through, since carriers add fields without notice.
func strict(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data after the JSON value", ErrMalformed)
	}
	return nil
}

// parseTime reads the timestamp layouts carriers use: RFC 3339, and local
// times without a zone (taken as UTC+3, Riyadh, or UTC+4, Dubai, per
// carrier, since that is where they are stamped).
func parseTime(s string, zone *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, zone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: time %q is not RFC 3339 or yyyy-mm-ddThh:mm:ss", ErrMalformed, s)
}
