package carrierapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/internal/carrier"
)

// DHL books with DHL Express's MyDHL API: POST /shipments (basic auth),
// GET /tracking by customer reference to find a parcel already booked, GET
// /shipments/{number}/get-image for its label again, and GET
// /shipments/{number}/tracking.
type DHL struct {
	client
	base    *url.URL // …/mydhlapi
	account string
	auth    http.Header
}

// NewDHL returns the DHL adapter. rawURL is the MyDHL API's base with the
// shipper's account number in its query, https://express.api.dhl.com/
// mydhlapi?account=123456789; key is "API key:API secret".
func NewDHL(rawURL, key string, opts Options) (*DHL, error) {
	c, err := newClient(shipment.DHL, opts)
	if err != nil {
		return nil, err
	}
	base, q, err := parseBase(shipment.DHL, rawURL)
	if err != nil {
		return nil, err
	}
	if q.Get("account") == "" {
		return nil, fmt.Errorf("carrierapi: the DHL URL needs ?account=<shipper account number>")
	}
	if user, pass, ok := strings.Cut(key, ":"); !ok || user == "" || pass == "" {
		return nil, fmt.Errorf("carrierapi: the DHL key must be API key:API secret")
	}
	auth := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(key))}}
	return &DHL{client: c, base: base, account: q.Get("account"), auth: auth}, nil
}

type dhlAddress struct {
	PostalAddress struct {
		PostalCode   string `json:"postalCode"`
		CityName     string `json:"cityName"`
		CountryCode  string `json:"countryCode"`
		ProvinceCode string `json:"provinceCode,omitempty"`
		AddressLine1 string `json:"addressLine1"`
		AddressLine2 string `json:"addressLine2,omitempty"`
	} `json:"postalAddress"`
	ContactInformation struct {
		Email       string `json:"email,omitempty"`
		Phone       string `json:"phone"`
		CompanyName string `json:"companyName"`
		FullName    string `json:"fullName"`
	} `json:"contactInformation"`
}

func dhlAddressOf(p shipcmd.Party) dhlAddress {
	var a dhlAddress
	pa := &a.PostalAddress
	pa.PostalCode, pa.CityName, pa.CountryCode, pa.ProvinceCode = p.PostalCode, p.City, string(p.Country), p.Region
	pa.AddressLine1, pa.AddressLine2 = p.Line1, p.Line2
	ci := &a.ContactInformation
	ci.Email, ci.Phone, ci.FullName, ci.CompanyName = p.Email, p.Phone, p.Name, p.Company
	if ci.CompanyName == "" {
		ci.CompanyName = p.Name // MyDHL requires a company name
	}
	return a
}

type dhlReference struct {
	Value    string `json:"value"`
	TypeCode string `json:"typeCode"`
}

type dhlCreate struct {
	PlannedShippingDateAndTime string `json:"plannedShippingDateAndTime"`
	Pickup                     struct {
		IsRequested bool `json:"isRequested"`
	} `json:"pickup"`
	ProductCode string `json:"productCode"`
	Accounts    []struct {
		TypeCode string `json:"typeCode"`
		Number   string `json:"number"`
	} `json:"accounts"`
	CustomerReferences    []dhlReference `json:"customerReferences"`
	OutputImageProperties struct {
		EncodingFormat string `json:"encodingFormat"`
		ImageOptions   []struct {
			TypeCode    string `json:"typeCode"`
			IsRequested bool   `json:"isRequested"`
		} `json:"imageOptions"`
	} `json:"outputImageProperties"`
	CustomerDetails struct {
		ShipperDetails  dhlAddress `json:"shipperDetails"`
		ReceiverDetails dhlAddress `json:"receiverDetails"`
	} `json:"customerDetails"`
	Content struct {
		Packages []struct {
			Weight             float64        `json:"weight"`
			CustomerReferences []dhlReference `json:"customerReferences"`
		} `json:"packages"`
		IsCustomsDeclarable   bool        `json:"isCustomsDeclarable"`
		DeclaredValue         json.Number `json:"declaredValue,omitempty"`
		DeclaredValueCurrency string      `json:"declaredValueCurrency,omitempty"`
		Description           string      `json:"description"`
		Incoterm              string      `json:"incoterm"`
		UnitOfMeasurement     string      `json:"unitOfMeasurement"`
	} `json:"content"`
}

type dhlDocuments struct {
	Documents []struct {
		TypeCode    string `json:"typeCode"`
		ImageFormat string `json:"imageFormat"`
		Content     string `json:"content"`
	} `json:"documents"`
}

type dhlCreated struct {
	ShipmentTrackingNumber string `json:"shipmentTrackingNumber"`
	dhlDocuments
}

// Book first looks the shipment up by its customer reference (the
// shipment ID), so a retry after a lost answer fetches the label of the
// parcel booked then instead of booking another; else it creates the
// shipment with that reference and stores the label DHL answers.
func (d *DHL) Book(ctx context.Context, req shipcmd.BookRequest) (shipcmd.Booking, error) {
	if err := d.needParcel(req); err != nil {
		return shipcmd.Booking{}, err
	}
	if req.COD.IsPositive() {
		return shipcmd.Booking{}, domain.Errorf(domain.Invalid, CodeRefused, "DHL Express collects no cash on delivery for souq; choose another carrier for a COD parcel")
	}
	number, err := d.lookup(ctx, req.ShipmentID)
	if err != nil {
		return shipcmd.Booking{}, err
	}
	if number != "" {
		return d.relabel(ctx, req, number)
	}
	ans, err := d.do(ctx, http.MethodPost, endpoint(d.base, "/shipments", nil), d.create(req), d.auth)
	if err != nil {
		return shipcmd.Booking{}, err
	}
	if err := d.check(ans, dhlMessage); err != nil {
		return shipcmd.Booking{}, err
	}
	var created dhlCreated
	if err := d.decode(ans, &created); err != nil {
		return shipcmd.Booking{}, err
	}
	number = strings.TrimSpace(created.ShipmentTrackingNumber)
	if number == "" {
		return shipcmd.Booking{}, d.badAnswer("no shipmentTrackingNumber")
	}
	return d.keep(ctx, req, number, created.dhlDocuments)
}

func (d *DHL) create(req shipcmd.BookRequest) dhlCreate {
	p := req.Parcel
	ref := []dhlReference{{Value: string(req.ShipmentID), TypeCode: "CU"}}
	var c dhlCreate
	// MyDHL reads the time as the shipper's local time; its zone is said.
	c.PlannedShippingDateAndTime = d.now().UTC().Format("2006-01-02T15:04:05") + " GMT+00:00"
	c.ProductCode = "N" // domestic express
	if !domestic(p) {
		c.ProductCode = "P" // express worldwide, non-documents
	}
	c.Accounts = append(c.Accounts, struct {
		TypeCode string `json:"typeCode"`
		Number   string `json:"number"`
	}{"shipper", d.account})
	c.CustomerReferences = ref
	c.OutputImageProperties.EncodingFormat = "pdf"
	c.OutputImageProperties.ImageOptions = append(c.OutputImageProperties.ImageOptions, struct {
		TypeCode    string `json:"typeCode"`
		IsRequested bool   `json:"isRequested"`
	}{"label", true})
	c.CustomerDetails.ShipperDetails, c.CustomerDetails.ReceiverDetails = dhlAddressOf(p.From), dhlAddressOf(p.To)
	per := kilograms(p.WeightGrams) / float64(pieces(p))
	for range pieces(p) {
		c.Content.Packages = append(c.Content.Packages, struct {
			Weight             float64        `json:"weight"`
			CustomerReferences []dhlReference `json:"customerReferences"`
		}{per, ref})
	}
	c.Content.IsCustomsDeclarable = !domestic(p)
	if p.Value.IsPositive() {
		c.Content.DeclaredValue, c.Content.DeclaredValueCurrency = json.Number(p.Value.Decimal()), string(p.Value.Currency())
	}
	c.Content.Description, c.Content.Incoterm, c.Content.UnitOfMeasurement = contents(req), "DAP", "metric"
	return c
}

// lookup finds a parcel booked under the shipment ID in the last 30 days
// (MyDHL searches references only within a date range); "" when none.
func (d *DHL) lookup(ctx context.Context, id domain.ShipmentID) (string, error) {
	now := d.now().UTC()
	q := url.Values{"shipmentReference": {string(id)}, "shipmentReferenceType": {"CU"}, "shipperAccountNumber": {d.account},
		"dateRangeFrom": {now.Add(-30 * 24 * time.Hour).Format(time.DateOnly)}, "dateRangeTo": {now.Add(24 * time.Hour).Format(time.DateOnly)},
		"trackingView": {"shipment-details-only"}, "levelOfDetail": {"shipment"}}
	ans, err := d.do(ctx, http.MethodGet, endpoint(d.base, "/tracking", q), nil, d.auth)
	if err != nil {
		return "", err
	}
	if ans.status == http.StatusNotFound {
		return "", nil
	}
	if err := d.check(ans, dhlMessage); err != nil {
		return "", err
	}
	var found struct {
		Shipments []struct {
			ShipmentTrackingNumber string `json:"shipmentTrackingNumber"`
		} `json:"shipments"`
	}
	if err := d.decode(ans, &found); err != nil {
		return "", err
	}
	for _, s := range found.Shipments {
		if n := strings.TrimSpace(s.ShipmentTrackingNumber); n != "" {
			return n, nil
		}
	}
	return "", nil
}

// relabel fetches the label of a parcel booked before.
func (d *DHL) relabel(ctx context.Context, req shipcmd.BookRequest, number string) (shipcmd.Booking, error) {
	q := url.Values{"shipperAccountNumber": {d.account}, "typeCode": {"label"}, "pickupYearAndMonth": {d.now().UTC().Format("2006-01")}}
	ans, err := d.do(ctx, http.MethodGet, endpoint(d.base, "/shipments/"+url.PathEscape(number)+"/get-image", q), nil, d.auth)
	if err != nil {
		return shipcmd.Booking{}, err
	}
	if err := d.check(ans, dhlMessage); err != nil {
		return shipcmd.Booking{}, fmt.Errorf("the label of %s, booked before: %w", number, err)
	}
	var docs dhlDocuments
	if err := d.decode(ans, &docs); err != nil {
		return shipcmd.Booking{}, err
	}
	return d.keep(ctx, req, number, docs)
}

// keep stores the label among the documents and answers the booking.
func (d *DHL) keep(ctx context.Context, req shipcmd.BookRequest, number string, docs dhlDocuments) (shipcmd.Booking, error) {
	for _, doc := range docs.Documents {
		if strings.EqualFold(doc.TypeCode, "label") {
			pdf, err := d.base64PDF(doc.Content)
			if err != nil {
				return shipcmd.Booking{}, fmt.Errorf("shipment %s: %w", number, err)
			}
			key, err := d.storeLabel(ctx, req.VendorID, pdf)
			if err != nil {
				return shipcmd.Booking{}, fmt.Errorf("shipment %s: %w", number, err)
			}
			return shipcmd.Booking{TrackingNumber: number, LabelKey: key}, nil
		}
	}
	return shipcmd.Booking{}, d.badAnswer("shipment %s without a label among its %d documents", number, len(docs.Documents))
}

// Track asks MyDHL for every checkpoint of a shipment.
func (d *DHL) Track(ctx context.Context, trackingNumber string) ([]carrier.Event, error) {
	q := url.Values{"trackingView": {"all-checkpoints"}, "levelOfDetail": {"all"}}
	ans, err := d.do(ctx, http.MethodGet, endpoint(d.base, "/shipments/"+url.PathEscape(trackingNumber)+"/tracking", q), nil, d.auth)
	if err != nil {
		return nil, err
	}
	if ans.status == http.StatusNotFound {
		return nil, nil // not scanned yet
	}
	if err := d.check(ans, dhlMessage); err != nil {
		return nil, err
	}
	return d.track(ans.body)
}

// dhlMessage reads MyDHL's problem answer: title, detail and the
// additional details that name the fields it refused.
func dhlMessage(body []byte) string {
	var p struct {
		Title             string   `json:"title"`
		Detail            string   `json:"detail"`
		Message           string   `json:"message"`
		AdditionalDetails []string `json:"additionalDetails"`
	}
	if json.Unmarshal(body, &p) != nil {
		return ""
	}
	parts := []string{}
	for _, s := range append([]string{p.Title, p.Detail, p.Message}, p.AdditionalDetails...) {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(parts, s) { // message often repeats title
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "; ")
}
