package carrierapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/internal/carrier"
)

// Aramex books with Aramex's Shipping Services API (JSON binding of its
// WCF services): CreateShipments, and TrackShipments of its Tracking API.
type Aramex struct {
	client
	base   string // …/ShippingAPI.V2
	info   aramexClientInfo
	report int
}

type aramexClientInfo struct {
	UserName           string `json:"UserName"`
	Password           string `json:"Password"`
	Version            string `json:"Version"`
	AccountNumber      string `json:"AccountNumber"`
	AccountPin         string `json:"AccountPin"`
	AccountEntity      string `json:"AccountEntity"`
	AccountCountryCode string `json:"AccountCountryCode"`
	Source             int    `json:"Source"`
}

// aramexLabelReport is the label layout asked for (Aramex's report 9729,
// the A4/A6 shipping label of its samples), answered as a URL.
const aramexLabelReport = 9729

// NewAramex returns the Aramex adapter. rawURL is the API's base with the
// account in its query, https://ws.aramex.net/ShippingAPI.V2?account=
// 20016&entity=AMM&country=JO; key is "username:password:account PIN".
func NewAramex(rawURL, key string, opts Options) (*Aramex, error) {
	c, err := newClient(shipment.Aramex, opts)
	if err != nil {
		return nil, err
	}
	base, q, err := parseBase(shipment.Aramex, rawURL)
	if err != nil {
		return nil, err
	}
	user, rest, ok1 := strings.Cut(key, ":")
	i := strings.LastIndexByte(rest, ':')
	if !ok1 || i <= 0 || user == "" || i == len(rest)-1 {
		return nil, fmt.Errorf("carrierapi: the Aramex key must be username:password:account PIN")
	}
	info := aramexClientInfo{UserName: user, Password: rest[:i], AccountPin: rest[i+1:], Version: "v1.0",
		AccountNumber: q.Get("account"), AccountEntity: q.Get("entity"), AccountCountryCode: q.Get("country"), Source: 24}
	if info.AccountNumber == "" || info.AccountEntity == "" || info.AccountCountryCode == "" {
		return nil, fmt.Errorf("carrierapi: the Aramex URL needs ?account=…&entity=…&country=… (its ClientInfo)")
	}
	return &Aramex{client: c, base: base.String(), info: info, report: aramexLabelReport}, nil
}

// wcfDate is a time as Aramex's WCF JSON binding reads one: "\/Date(ms)\/"
// with the slashes escaped, which is how that serializer tells a date from
// a string.
type wcfDate time.Time

func (d wcfDate) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `"\/Date(%d)\/"`, time.Time(d).UnixMilli()), nil
}

type aramexParty struct {
	Reference1    string `json:"Reference1"`
	AccountNumber string `json:"AccountNumber,omitempty"`
	PartyAddress  struct {
		Line1               string `json:"Line1"`
		Line2               string `json:"Line2"`
		City                string `json:"City"`
		StateOrProvinceCode string `json:"StateOrProvinceCode"`
		PostCode            string `json:"PostCode"`
		CountryCode         string `json:"CountryCode"`
	} `json:"PartyAddress"`
	Contact struct {
		PersonName   string `json:"PersonName"`
		CompanyName  string `json:"CompanyName"`
		PhoneNumber1 string `json:"PhoneNumber1"`
		CellPhone    string `json:"CellPhone"`
		EmailAddress string `json:"EmailAddress"`
	} `json:"Contact"`
}

func aramexPartyOf(ref string, p shipcmd.Party) aramexParty {
	var a aramexParty
	a.Reference1 = ref
	a.PartyAddress.Line1, a.PartyAddress.Line2, a.PartyAddress.City = p.Line1, p.Line2, p.City
	a.PartyAddress.StateOrProvinceCode, a.PartyAddress.PostCode, a.PartyAddress.CountryCode = p.Region, p.PostalCode, string(p.Country)
	a.Contact.PersonName, a.Contact.CompanyName = p.Name, p.Company
	if a.Contact.CompanyName == "" {
		a.Contact.CompanyName = p.Name // Aramex requires a company name
	}
	a.Contact.PhoneNumber1, a.Contact.CellPhone, a.Contact.EmailAddress = p.Phone, p.Phone, p.Email
	return a
}

type aramexAmount struct {
	Value        json.Number `json:"Value"`
	CurrencyCode string      `json:"CurrencyCode"`
}

type aramexShipment struct {
	Reference1       string      `json:"Reference1"` // the shipment ID
	Reference2       string      `json:"Reference2"` // the order
	Shipper          aramexParty `json:"Shipper"`
	Consignee        aramexParty `json:"Consignee"`
	ShippingDateTime wcfDate     `json:"ShippingDateTime"`
	DueDate          wcfDate     `json:"DueDate"`
	Details          struct {
		ActualWeight struct {
			Value float64 `json:"Value"`
			Unit  string  `json:"Unit"`
		} `json:"ActualWeight"`
		ProductGroup         string        `json:"ProductGroup"`
		ProductType          string        `json:"ProductType"`
		PaymentType          string        `json:"PaymentType"`
		Services             string        `json:"Services"`
		NumberOfPieces       int           `json:"NumberOfPieces"`
		DescriptionOfGoods   string        `json:"DescriptionOfGoods"`
		GoodsOriginCountry   string        `json:"GoodsOriginCountry"`
		CashOnDeliveryAmount *aramexAmount `json:"CashOnDeliveryAmount,omitempty"`
		CustomsValueAmount   *aramexAmount `json:"CustomsValueAmount,omitempty"`
	} `json:"Details"`
}

type aramexCreate struct {
	ClientInfo  aramexClientInfo `json:"ClientInfo"`
	LabelInfo   aramexLabelInfo  `json:"LabelInfo"`
	Shipments   []aramexShipment `json:"Shipments"`
	Transaction aramexReferences `json:"Transaction"`
}

type aramexLabelInfo struct {
	ReportID   int    `json:"ReportID"`
	ReportType string `json:"ReportType"`
}

type aramexReferences struct {
	Reference1 string `json:"Reference1"`
}

type aramexNotification struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

type aramexCreated struct {
	HasErrors     bool                 `json:"HasErrors"`
	Notifications []aramexNotification `json:"Notifications"`
	Shipments     []struct {
		ID            string               `json:"ID"`
		Reference1    string               `json:"Reference1"`
		HasErrors     bool                 `json:"HasErrors"`
		Notifications []aramexNotification `json:"Notifications"`
		ShipmentLabel *struct {
			LabelURL          string          `json:"LabelURL"`
			LabelFileContents json.RawMessage `json:"LabelFileContents"`
		} `json:"ShipmentLabel"`
	} `json:"Shipments"`
}

// Book creates the shipment with the shipment ID as its Reference1 and
// stores its label. Aramex's API has no look-up by reference, so a retry
// after a lost answer books a second waybill (with the same Reference1,
// by which Aramex's support can void the first).
func (a *Aramex) Book(ctx context.Context, req shipcmd.BookRequest) (shipcmd.Booking, error) {
	if err := a.needParcel(req); err != nil {
		return shipcmd.Booking{}, err
	}
	p := req.Parcel
	now := a.now()
	s := aramexShipment{Reference1: string(req.ShipmentID), Reference2: string(req.OrderID),
		Shipper:   aramexPartyOf(string(req.VendorID), p.From),
		Consignee: aramexPartyOf(string(req.ShipmentID), p.To),
		// Due a week on: Aramex wants a due date after the shipping date.
		ShippingDateTime: wcfDate(now), DueDate: wcfDate(now.Add(7 * 24 * time.Hour))}
	s.Shipper.AccountNumber = a.info.AccountNumber
	d := &s.Details
	d.ActualWeight.Value, d.ActualWeight.Unit = kilograms(p.WeightGrams), "KG"
	d.ProductGroup, d.ProductType = "DOM", "ONP" // domestic overnight parcel
	if !domestic(p) {
		d.ProductGroup, d.ProductType = "EXP", "PPX" // priority parcel express
	}
	d.PaymentType, d.NumberOfPieces = "P", pieces(p) // prepaid by the account
	d.DescriptionOfGoods, d.GoodsOriginCountry = contents(req), string(p.From.Country)
	if req.COD.IsPositive() {
		d.Services = "CODS"
		d.CashOnDeliveryAmount = &aramexAmount{json.Number(req.COD.Decimal()), string(req.COD.Currency())}
	}
	if !domestic(p) && p.Value.IsPositive() {
		d.CustomsValueAmount = &aramexAmount{json.Number(p.Value.Decimal()), string(p.Value.Currency())}
	}
	body := aramexCreate{ClientInfo: a.info, LabelInfo: aramexLabelInfo{ReportID: a.report, ReportType: "URL"},
		Shipments: []aramexShipment{s}, Transaction: aramexReferences{Reference1: string(req.ShipmentID)}}
	ans, err := a.do(ctx, http.MethodPost, a.base+"/Shipping/Service_1_0.svc/json/CreateShipments", body, nil)
	if err != nil {
		return shipcmd.Booking{}, err
	}
	if err := a.check(ans, aramexMessage); err != nil {
		return shipcmd.Booking{}, err
	}
	var created aramexCreated
	if err := a.decode(ans, &created); err != nil {
		return shipcmd.Booking{}, err
	}
	notes := created.Notifications
	for _, sh := range created.Shipments {
		notes = append(notes, sh.Notifications...)
	}
	if created.HasErrors || len(created.Shipments) > 0 && created.Shipments[0].HasErrors {
		return shipcmd.Booking{}, a.refused("%s", notifications(notes))
	}
	if len(created.Shipments) != 1 || strings.TrimSpace(created.Shipments[0].ID) == "" {
		return shipcmd.Booking{}, a.badAnswer("no waybill number (%d shipments in the answer)", len(created.Shipments))
	}
	sh := created.Shipments[0]
	if sh.ShipmentLabel == nil {
		return shipcmd.Booking{}, a.badAnswer("waybill %s without its label", sh.ID)
	}
	pdf, err := a.label(ctx, sh.ShipmentLabel.LabelURL, sh.ShipmentLabel.LabelFileContents)
	if err != nil {
		return shipcmd.Booking{}, fmt.Errorf("waybill %s: %w", sh.ID, err)
	}
	key, err := a.storeLabel(ctx, req.VendorID, pdf)
	if err != nil {
		return shipcmd.Booking{}, fmt.Errorf("waybill %s: %w", sh.ID, err)
	}
	return shipcmd.Booking{TrackingNumber: strings.TrimSpace(sh.ID), LabelKey: key}, nil
}

// label is the PDF Aramex answered: inline (LabelFileContents, a byte
// array, which WCF's JSON writes as a list of numbers or, in some
// gateways, base64) or at LabelURL.
func (a *Aramex) label(ctx context.Context, labelURL string, inline json.RawMessage) ([]byte, error) {
	if len(inline) > 0 && string(inline) != "null" {
		var pdf []byte
		if inline[0] == '[' {
			var nums []int
			if err := json.Unmarshal(inline, &nums); err != nil {
				return nil, a.badAnswer("LabelFileContents that is not bytes (%v)", err)
			}
			pdf = make([]byte, len(nums))
			for i, n := range nums {
				if n < 0 || n > 255 {
					return nil, a.badAnswer("LabelFileContents that is not bytes (%d)", n)
				}
				pdf[i] = byte(n)
			}
			return pdf, nil
		}
		var s string
		if err := json.Unmarshal(inline, &s); err != nil {
			return nil, a.badAnswer("LabelFileContents that is not bytes (%v)", err)
		}
		return a.base64PDF(s)
	}
	if strings.TrimSpace(labelURL) == "" {
		return nil, a.badAnswer("a shipment without a label URL or contents")
	}
	return a.fetchLabel(ctx, labelURL)
}

type aramexTrack struct {
	ClientInfo                aramexClientInfo `json:"ClientInfo"`
	GetLastTrackingUpdateOnly bool             `json:"GetLastTrackingUpdateOnly"`
	Shipments                 []string         `json:"Shipments"`
	Transaction               aramexReferences `json:"Transaction"`
}

// Track asks the Tracking API for every scan of a waybill.
func (a *Aramex) Track(ctx context.Context, trackingNumber string) ([]carrier.Event, error) {
	body := aramexTrack{ClientInfo: a.info, Shipments: []string{trackingNumber}}
	ans, err := a.do(ctx, http.MethodPost, a.base+"/Tracking/Service_1_0.svc/json/TrackShipments", body, nil)
	if err != nil {
		return nil, err
	}
	if err := a.check(ans, aramexMessage); err != nil {
		return nil, err
	}
	var head struct {
		HasErrors     bool                 `json:"HasErrors"`
		Notifications []aramexNotification `json:"Notifications"`
	}
	if err := a.decode(ans, &head); err != nil {
		return nil, err
	}
	if head.HasErrors {
		return nil, a.refused("tracking %s: %s", trackingNumber, notifications(head.Notifications))
	}
	return a.track(ans.body)
}

// aramexMessage finds Aramex's words in a refusal's body.
func aramexMessage(body []byte) string {
	var r struct {
		Notifications []aramexNotification `json:"Notifications"`
		Message       string               `json:"Message"`
	}
	if json.Unmarshal(body, &r) != nil {
		return ""
	}
	if len(r.Notifications) > 0 {
		return notifications(r.Notifications)
	}
	return r.Message
}

func notifications(ns []aramexNotification) string {
	var parts []string
	for _, n := range ns {
		parts = append(parts, strings.TrimSpace(n.Code+" "+n.Message))
	}
	if len(parts) == 0 {
		return "HasErrors without a notification"
	}
	return strings.Join(parts, "; ")
}
