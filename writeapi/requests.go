package writeapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	ordercmd "github.com/souq-market/souq/commands/order"
	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/inventory"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/shipment"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/domain/wallet"
	"github.com/souq-market/souq/internal/auth"
	"github.com/souq-market/souq/internal/httpx"
)

// Request bodies. Each lists its own shape problems in validate; the
// domain then checks its rules. Both answer 422 with every problem.

// moneyIn is money as a client sends it: integer minor units and a
// currency. Decoded as plain fields, so a wrong type is named by its path.
type moneyIn struct {
	Amount   int64           `json:"amount"`
	Currency domain.Currency `json:"currency"`
}

// money converts, recording a problem under field when it cannot.
func (m *moneyIn) money(v *domain.Validation, field string, required bool) domain.Money {
	if m == nil {
		if required {
			v.Add(field, domain.ProblemRequired, "is required")
		}
		return domain.Money{}
	}
	out, err := domain.New(m.Amount, m.Currency)
	if err != nil {
		v.Add(field+".currency", domain.ProblemCurrency, "is not a currency souq knows")
	}
	return out
}

type receiptReq struct {
	Location domain.LocationID `json:"location"`
	Quantity int64             `json:"quantity"`
}

func (r *receiptReq) validate(v *domain.Validation) {
	v.ID("location", string(r.Location))
	v.Positive("quantity", r.Quantity)
}

type adjustmentReq struct {
	Location domain.LocationID `json:"location"`
	Delta    int64             `json:"delta"`
	Reason   inventory.Reason  `json:"reason"`
	Note     string            `json:"note"`
}

func (r *adjustmentReq) validate(v *domain.Validation) {
	v.ID("location", string(r.Location))
	v.Check(r.Delta != 0, "delta", domain.ProblemRequired, "is required and not zero")
	v.Text("reason", string(r.Reason), 50)
	v.OptionalText("note", r.Note, 500)
}

type reservationReq struct {
	Location      domain.LocationID       `json:"location"`
	ReservationID inventory.ReservationID `json:"reservation_id"`
	OrderID       domain.OrderID          `json:"order_id"`
	Quantity      int64                   `json:"quantity"`
	ExpiresAt     time.Time               `json:"expires_at"`
}

func (r *reservationReq) validate(v *domain.Validation) {
	v.ID("location", string(r.Location))
	v.ID("reservation_id", string(r.ReservationID))
	v.ID("order_id", string(r.OrderID))
	v.Positive("quantity", r.Quantity)
	v.Check(!r.ExpiresAt.IsZero(), "expires_at", domain.ProblemRequired, "is required (RFC 3339)")
}

type reservationEndReq struct {
	Location domain.LocationID `json:"location"`
	Reason   string            `json:"reason"`
}

func (r *reservationEndReq) validate(v *domain.Validation) {
	v.ID("location", string(r.Location))
	v.OptionalText("reason", r.Reason, 500)
}

type checkoutLine struct {
	SKU      domain.SKU `json:"sku"`
	Quantity int64      `json:"quantity"`
}

type checkoutReq struct {
	OrderID       domain.OrderID      `json:"order_id"`
	Country       domain.Country      `json:"country"`
	PaymentMethod order.PaymentMethod `json:"payment_method"`
	Lines         []checkoutLine      `json:"lines"`
	AffiliateID   domain.AffiliateID  `json:"affiliate_id"`
	WalletAmount  *moneyIn            `json:"wallet_amount"`
	AddressID     user.AddressID      `json:"address_id"` // "": the customer's default address
	wallet        domain.Money
}

// maxLines bounds a cart: each line is a catalog lookup.
const maxLines = 100

func (r *checkoutReq) validate(v *domain.Validation) {
	v.ID("order_id", string(r.OrderID))
	v.Check(r.Country.Valid(), "country", domain.ProblemInvalid, "must be AE or SA")
	v.Text("payment_method", string(r.PaymentMethod), 20)
	if v.Check(len(r.Lines) > 0, "lines", domain.ProblemRequired, "needs at least one line") {
		v.Check(len(r.Lines) <= maxLines, "lines", domain.ProblemRange, "may hold at most %d lines", maxLines)
	}
	for i, l := range r.Lines {
		if i >= maxLines {
			break
		}
		f := "lines[" + strconv.Itoa(i) + "]"
		v.ID(f+".sku", string(l.SKU))
		v.Positive(f+".quantity", l.Quantity)
	}
	if r.AffiliateID != "" {
		v.ID("affiliate_id", string(r.AffiliateID))
	}
	if r.AddressID != "" {
		v.ID("address_id", string(r.AddressID))
	}
	r.wallet = r.WalletAmount.money(v, "wallet_amount", false)
}

// cart is the checkout command: the customer is the caller, never a field.
func (r *checkoutReq) cart(a auth.Actor) ordercmd.Cart {
	c := ordercmd.Cart{OrderID: r.OrderID, CustomerID: domain.CustomerID(a.UserID), Country: r.Country,
		PaymentMethod: r.PaymentMethod, AffiliateID: r.AffiliateID, WalletAmount: r.wallet, AddressID: r.AddressID}
	for _, l := range r.Lines {
		c.Lines = append(c.Lines, ordercmd.CartLine{SKU: l.SKU, Quantity: l.Quantity})
	}
	return c
}

type reasonReq struct {
	Reason string `json:"reason"`
}

func (r *reasonReq) validate(v *domain.Validation) { v.Text("reason", r.Reason, 500) }

type emptyReq struct{}

func (*emptyReq) validate(*domain.Validation) {}

type walletOpenReq struct {
	WalletID   domain.WalletID   `json:"wallet_id"`
	CustomerID domain.CustomerID `json:"customer_id"`
	Currency   domain.Currency   `json:"currency"`
}

func (r *walletOpenReq) validate(v *domain.Validation) {
	v.ID("wallet_id", string(r.WalletID))
	if r.CustomerID != "" {
		v.ID("customer_id", string(r.CustomerID))
	}
	v.Text("currency", string(r.Currency), 3)
}

type creditReq struct {
	Reference string   `json:"reference"`
	Amount    *moneyIn `json:"amount"`
	money     domain.Money
}

func (r *creditReq) validate(v *domain.Validation) {
	v.Text("reference", r.Reference, 200)
	r.money = r.Amount.money(v, "amount", true)
}

type holdReq struct {
	HoldID  wallet.HoldID  `json:"hold_id"`
	OrderID domain.OrderID `json:"order_id"`
	Amount  *moneyIn       `json:"amount"`
	money   domain.Money
}

func (r *holdReq) validate(v *domain.Validation) {
	v.ID("hold_id", string(r.HoldID))
	v.ID("order_id", string(r.OrderID))
	r.money = r.Amount.money(v, "amount", true)
}

type shipmentReq struct {
	ShipmentID     domain.ShipmentID `json:"shipment_id"`
	OrderID        domain.OrderID    `json:"order_id"`
	SubOrderID     domain.SubOrderID `json:"sub_order_id"`
	Carrier        shipment.Carrier  `json:"carrier"`
	TrackingNumber string            `json:"tracking_number"`
	LabelKey       string            `json:"label_key"`
	CODAmount      *moneyIn          `json:"cod_amount"`
	// The parcel, for a label the carrier books (parcel.go).
	ShipFrom      *partyIn `json:"ship_from"`
	ShipTo        *partyIn `json:"ship_to"`
	WeightGrams   int      `json:"weight_grams"`
	Pieces        int      `json:"pieces"`
	Contents      string   `json:"contents"`
	DeclaredValue *moneyIn `json:"declared_value"`
	parcel        shipcmd.Parcel
	cod           domain.Money
	vendor        domain.VendorID
}

func (r *shipmentReq) validate(v *domain.Validation) {
	v.ID("shipment_id", string(r.ShipmentID))
	v.ID("order_id", string(r.OrderID))
	v.ID("sub_order_id", string(r.SubOrderID))
	v.Text("carrier", string(r.Carrier), 20)
	// Both or neither: without them, the configured carrier books the label
	// (and with no carrier, the shipment command refuses the missing ones).
	if r.TrackingNumber != "" || r.LabelKey != "" {
		v.Text("tracking_number", r.TrackingNumber, 100)
		v.Text("label_key", r.LabelKey, 500)
		r.refuseParcel(v)
	} else {
		r.validateParcel(v)
	}
	r.cod = r.CODAmount.money(v, "cod_amount", false)
}

// quote prices a cart as checkout would and writes nothing.
func (s *server) quote(checkout ordercmd.Checkout) {
	op := httpx.Operation{Method: "POST", Path: "/v1/orders/quote", ID: "quoteOrder", Tag: "orders",
		Summary: "Price a cart as a checkout would, writing nothing.", Errors: []int{400, 401, 403, 413, 415, 422}}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _ := auth.From(r.Context())
		req := &checkoutReq{}
		if _, err := decode(r, w, req); err != nil {
			s.fail(w, r, err)
			return
		}
		q, err := quoteCart(r.Context(), checkout, req.cart(a))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, q)
	})
	s.api.Handle(op, auth.Require(s.verifier, s.api.Renderer(), auth.Customer)(h))
}

func quoteCart(ctx context.Context, c ordercmd.Checkout, cart ordercmd.Cart) (order.Quote, error) {
	return c.Quote(ctx, cart)
}
