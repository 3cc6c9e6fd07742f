package carrierapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/internal/carrier"
)

// SMSA books with SMSA Express's e-commerce API: POST /api/shipment/b2c/new
// (an apikey header) answers the AWB and the waybill PDF in base64; GET
// /api/track/single/{AWB} answers its scans.
type SMSA struct {
	client
	base     *url.URL
	retailID string
	auth     http.Header
}

// NewSMSA returns the SMSA adapter. rawURL is the API's base, with the
// optional retail ID of a pickup point in its query,
// https://ecomapis.smsaexpress.com?retail_id=…; key is the API key.
func NewSMSA(rawURL, key string, opts Options) (*SMSA, error) {
	c, err := newClient(shipment.SMSA, opts)
	if err != nil {
		return nil, err
	}
	base, q, err := parseBase(shipment.SMSA, rawURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(key) == "" {
		return nil, fmt.Errorf("carrierapi: SMSA needs its API key")
	}
	return &SMSA{client: c, base: base, retailID: q.Get("retail_id"), auth: http.Header{"Apikey": {key}}}, nil
}

type smsaAddress struct {
	ContactName        string `json:"ContactName"`
	ContactPhoneNumber string `json:"ContactPhoneNumber"`
	Country            string `json:"Country"`
	District           string `json:"District,omitempty"`
	PostalCode         string `json:"PostalCode,omitempty"`
	City               string `json:"City"`
	AddressLine1       string `json:"AddressLine1"`
	AddressLine2       string `json:"AddressLine2,omitempty"`
}

func smsaAddressOf(p shipcmd.Party) smsaAddress {
	return smsaAddress{ContactName: p.Name, ContactPhoneNumber: p.Phone, Country: string(p.Country), District: p.Region,
		PostalCode: p.PostalCode, City: p.City, AddressLine1: p.Line1, AddressLine2: p.Line2}
}

type smsaCreate struct {
	ConsigneeAddress   smsaAddress `json:"ConsigneeAddress"`
	ShipperAddress     smsaAddress `json:"ShipperAddress"`
	OrderNumber        string      `json:"OrderNumber"` // the shipment ID
	DeclaredValue      json.Number `json:"DeclaredValue"`
	CODAmount          json.Number `json:"CODAmount"`
	Parcels            int         `json:"Parcels"`
	ShipDate           string      `json:"ShipDate"`
	ShipmentCurrency   string      `json:"ShipmentCurrency"`
	SMSARetailID       string      `json:"SMSARetailID,omitempty"`
	WaybillType        string      `json:"WaybillType"`
	Weight             float64     `json:"Weight"`
	WeightUnit         string      `json:"WeightUnit"`
	ContentDescription string      `json:"ContentDescription"`
}

type smsaCreated struct {
	SAWB     string `json:"sawb"`
	Waybills []struct {
		AWB     string `json:"awb"`
		AWBFile string `json:"awbFile"`
	} `json:"waybills"`
}

// Book creates the shipment with the shipment ID as its OrderNumber and
// stores the waybill PDF. SMSA's API looks shipments up by AWB only, so a
// retry after a lost answer books a second AWB (under the same
// OrderNumber, by which SMSA can cancel the first).
func (s *SMSA) Book(ctx context.Context, req shipcmd.BookRequest) (shipcmd.Booking, error) {
	if err := s.needParcel(req); err != nil {
		return shipcmd.Booking{}, err
	}
	p := req.Parcel
	body := smsaCreate{ConsigneeAddress: smsaAddressOf(p.To), ShipperAddress: smsaAddressOf(p.From),
		OrderNumber: string(req.ShipmentID), DeclaredValue: "0", CODAmount: "0", Parcels: pieces(p),
		ShipDate: s.now().UTC().Format("2006-01-02T15:04:05"), ShipmentCurrency: "SAR", SMSARetailID: s.retailID,
		WaybillType: "PDF", Weight: kilograms(p.WeightGrams), WeightUnit: "KG", ContentDescription: contents(req)}
	if p.Value.IsPositive() {
		body.DeclaredValue, body.ShipmentCurrency = json.Number(p.Value.Decimal()), string(p.Value.Currency())
	}
	if req.COD.IsPositive() {
		if p.Value.IsPositive() && p.Value.Currency() != req.COD.Currency() {
			return shipcmd.Booking{}, s.refused("one currency per shipment: declared %s, cash on delivery %s", p.Value.Currency(), req.COD.Currency())
		}
		body.CODAmount, body.ShipmentCurrency = json.Number(req.COD.Decimal()), string(req.COD.Currency())
	}
	ans, err := s.do(ctx, http.MethodPost, endpoint(s.base, "/api/shipment/b2c/new", nil), body, s.auth)
	if err != nil {
		return shipcmd.Booking{}, err
	}
	if err := s.check(ans, smsaMessage); err != nil {
		return shipcmd.Booking{}, err
	}
	var created smsaCreated
	if err := s.decode(ans, &created); err != nil {
		return shipcmd.Booking{}, err
	}
	if len(created.Waybills) == 0 {
		return shipcmd.Booking{}, s.badAnswer("no waybill (sawb %q)", created.SAWB)
	}
	w := created.Waybills[0]
	awb := strings.TrimSpace(w.AWB)
	if awb == "" {
		awb = strings.TrimSpace(created.SAWB)
	}
	if awb == "" {
		return shipcmd.Booking{}, s.badAnswer("a waybill without an AWB")
	}
	pdf, err := s.base64PDF(w.AWBFile)
	if err != nil {
		return shipcmd.Booking{}, fmt.Errorf("AWB %s: %w", awb, err)
	}
	key, err := s.storeLabel(ctx, req.VendorID, pdf)
	if err != nil {
		return shipcmd.Booking{}, fmt.Errorf("AWB %s: %w", awb, err)
	}
	return shipcmd.Booking{TrackingNumber: awb, LabelKey: key}, nil
}

// Track asks for every scan of an AWB.
func (s *SMSA) Track(ctx context.Context, trackingNumber string) ([]carrier.Event, error) {
	ans, err := s.do(ctx, http.MethodGet, endpoint(s.base, "/api/track/single/"+url.PathEscape(trackingNumber), nil), nil, s.auth)
	if err != nil {
		return nil, err
	}
	if err := s.check(ans, smsaMessage); err != nil {
		return nil, err
	}
	return s.track(ans.body)
}

// smsaMessage reads SMSA's refusals: ASP.NET's validation problem (a title
// and errors by field), or a bare message.
func smsaMessage(body []byte) string {
	var p struct {
		Title   string              `json:"title"`
		Message string              `json:"message"`
		Errors  map[string][]string `json:"errors"`
	}
	if json.Unmarshal(body, &p) != nil {
		var s string
		if json.Unmarshal(body, &s) == nil {
			return s
		}
		return ""
	}
	fields := make([]string, 0, len(p.Errors))
	for f := range p.Errors {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	parts := []string{}
	for _, s := range []string{p.Title, p.Message} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	for _, f := range fields {
		parts = append(parts, f+": "+strings.Join(p.Errors[f], " "))
	}
	return strings.Join(parts, "; ")
}
