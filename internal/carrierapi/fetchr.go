package carrierapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/internal/carrier"
)

// Fetchr books with Fetchr's former order API (bearer token): POST /order/
// creates a dropship order collected from the client's registered pickup
// address and answers its tracking number and an AWB link (the label PDF);
// GET /order/history/{tracking}/ answers its statuses. Fetchr ceased
// trading in 2021: the shapes are those its client SDKs recorded, and the
// adapter serves whatever speaks them at the configured URL.
type Fetchr struct {
	client
	base      *url.URL
	addressID string
	auth      http.Header
}

// NewFetchr returns the Fetchr adapter. rawURL is the order API's base
// with the pickup address's ID in its query,
// https://api.order.fetchr.us?address_id=ADDR…; key is the API token.
func NewFetchr(rawURL, key string, opts Options) (*Fetchr, error) {
	c, err := newClient(shipment.Fetchr, opts)
	if err != nil {
		return nil, err
	}
	base, q, err := parseBase(shipment.Fetchr, rawURL)
	if err != nil {
		return nil, err
	}
	if q.Get("address_id") == "" {
		return nil, fmt.Errorf("carrierapi: the Fetchr URL needs ?address_id=<pickup address ID>")
	}
	if strings.TrimSpace(key) == "" {
		return nil, fmt.Errorf("carrierapi: Fetchr needs its API token")
	}
	return &Fetchr{client: c, base: base, addressID: q.Get("address_id"), auth: http.Header{"Authorization": {"Bearer " + key}}}, nil
}

type fetchrOrder struct {
	OrderReference  string      `json:"order_reference"` // the shipment ID
	Name            string      `json:"name"`
	Email           string      `json:"email,omitempty"`
	PhoneNumber     string      `json:"phone_number"`
	Address         string      `json:"address"`
	ReceiverCountry string      `json:"receiver_country"`
	ReceiverCity    string      `json:"receiver_city"`
	PaymentType     string      `json:"payment_type"`
	TotalAmount     json.Number `json:"total_amount"`
	BagCount        int         `json:"bag_count"`
	Weight          float64     `json:"weight"`
	Description     string      `json:"description"`
}

type fetchrCreate struct {
	ClientAddressID string        `json:"client_address_id"`
	Data            []fetchrOrder `json:"data"`
}

type fetchrCreated struct {
	Status  string `json:"status"`
	Message string `json:"message"`
	Data    []struct {
		Status         string `json:"status"`
		Message        string `json:"message"`
		TrackingNo     string `json:"tracking_no"`
		AWBLink        string `json:"awb_link"`
		OrderReference string `json:"order_reference"`
	} `json:"data"`
}

// Book creates the order with the shipment ID as its order_reference and
// stores the label from its AWB link. Fetchr's API looked orders up by
// tracking number only, so a retry after a lost answer creates a second
// order under the same reference.
func (f *Fetchr) Book(ctx context.Context, req shipcmd.BookRequest) (shipcmd.Booking, error) {
	if err := f.needParcel(req); err != nil {
		return shipcmd.Booking{}, err
	}
	to := req.Parcel.To
	o := fetchrOrder{OrderReference: string(req.ShipmentID), Name: to.Name, Email: to.Email, PhoneNumber: to.Phone,
		Address: strings.TrimSpace(to.Line1 + ", " + to.Line2), ReceiverCountry: string(to.Country), ReceiverCity: to.City,
		PaymentType: "cc", TotalAmount: "0", BagCount: pieces(req.Parcel), Weight: kilograms(req.Parcel.WeightGrams),
		Description: contents(req)}
	if to.Line2 == "" {
		o.Address = to.Line1
	}
	if req.COD.IsPositive() {
		o.PaymentType, o.TotalAmount = "COD", json.Number(req.COD.Decimal())
	}
	ans, err := f.do(ctx, http.MethodPost, endpoint(f.base, "/order/", nil), fetchrCreate{f.addressID, []fetchrOrder{o}}, f.auth)
	if err != nil {
		return shipcmd.Booking{}, err
	}
	if err := f.check(ans, fetchrMessage); err != nil {
		return shipcmd.Booking{}, err
	}
	var created fetchrCreated
	if err := f.decode(ans, &created); err != nil {
		return shipcmd.Booking{}, err
	}
	if strings.EqualFold(created.Status, "error") {
		return shipcmd.Booking{}, f.refused("%s", created.Message)
	}
	if len(created.Data) != 1 {
		return shipcmd.Booking{}, f.badAnswer("%d orders for the one created", len(created.Data))
	}
	d := created.Data[0]
	if strings.EqualFold(d.Status, "error") || strings.EqualFold(d.Status, "failure") {
		return shipcmd.Booking{}, f.refused("%s", d.Message)
	}
	tn := strings.TrimSpace(d.TrackingNo)
	if tn == "" {
		return shipcmd.Booking{}, f.badAnswer("an order without a tracking_no")
	}
	if strings.TrimSpace(d.AWBLink) == "" {
		return shipcmd.Booking{}, f.badAnswer("order %s without its awb_link", tn)
	}
	pdf, err := f.fetchLabel(ctx, d.AWBLink)
	if err != nil {
		return shipcmd.Booking{}, fmt.Errorf("order %s: %w", tn, err)
	}
	key, err := f.storeLabel(ctx, req.VendorID, pdf)
	if err != nil {
		return shipcmd.Booking{}, fmt.Errorf("order %s: %w", tn, err)
	}
	return shipcmd.Booking{TrackingNumber: tn, LabelKey: key}, nil
}

// Track asks for the order's status history.
func (f *Fetchr) Track(ctx context.Context, trackingNumber string) ([]carrier.Event, error) {
	ans, err := f.do(ctx, http.MethodGet, endpoint(f.base, "/order/history/"+url.PathEscape(trackingNumber)+"/", nil), nil, f.auth)
	if err != nil {
		return nil, err
	}
	if err := f.check(ans, fetchrMessage); err != nil {
		return nil, err
	}
	return f.track(ans.body)
}

func fetchrMessage(body []byte) string {
	var p struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(body, &p) != nil {
		return ""
	}
	return strings.TrimSpace(p.Message + " " + p.Error)
}
