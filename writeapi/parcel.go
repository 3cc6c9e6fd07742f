package writeapi

import (
	"strings"
	"unicode"

	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/order"
	"github.com/souq-market/souq/domain/user"
	"github.com/souq-market/souq/internal/pii"
)

// Limits of a parcel as POST /v1/shipments takes it: past them no carrier
// souq books with takes a parcel anyway (half a tonne, 99 pieces).
const (
	maxWeightGrams = 500_000
	maxPieces      = 99
)

// The parcel of shipmentReq is what a vendor tells the carrier about a
// parcel souq books: both ends, weight, pieces, contents and declared
// value. It goes to the carrier only and is never recorded:
// shipment.created carries no name, phone or address (internal/pii's
// catalogue stays as it is), so nothing of the customer's lives in the
// log because a parcel was booked.
//
// ship_to may be left out: the parcel then goes to the order's ship-to,
// the copy of the customer's address taken at checkout (fillShipTo).

// partyIn is one end of a parcel's journey.
type partyIn struct {
	Name       string         `json:"name"`
	Company    string         `json:"company"`
	Phone      string         `json:"phone"`
	Email      string         `json:"email"`
	Line1      string         `json:"line1"`
	Line2      string         `json:"line2"`
	City       string         `json:"city"`
	Region     string         `json:"region"`
	PostalCode string         `json:"postal_code"`
	Country    domain.Country `json:"country"`
}

// parcelGiven reports whether anything of the parcel was sent.
func (p *shipmentReq) parcelGiven() bool {
	return p.ShipFrom != nil || p.ShipTo != nil || p.WeightGrams != 0 || p.Pieces != 0 || p.Contents != "" || p.DeclaredValue != nil
}

// validateParcel checks a parcel sent for booking. A parcel is all or nothing:
// sent, it needs both ends and a weight (what every real carrier asks);
// not sent, the booking goes to the carrier without one, which the
// sandbox takes and a real carrier refuses (carrier.parcel_required).
func (p *shipmentReq) validateParcel(v *domain.Validation) {
	if !p.parcelGiven() {
		return
	}
	p.parcel.From = p.ShipFrom.party(v, "ship_from")
	if p.ShipTo != nil { // else the order's (fillShipTo)
		p.parcel.To = p.ShipTo.party(v, "ship_to")
	}
	if v.Positive("weight_grams", int64(p.WeightGrams)) {
		v.Check(p.WeightGrams <= maxWeightGrams, "weight_grams", domain.ProblemInvalid, "must be at most %d", maxWeightGrams)
	}
	if v.NotNegative("pieces", int64(p.Pieces)) {
		v.Check(p.Pieces <= maxPieces, "pieces", domain.ProblemInvalid, "must be at most %d", maxPieces)
	}
	v.OptionalText("contents", p.Contents, 200)
	p.parcel.WeightGrams, p.parcel.Pieces, p.parcel.Contents = p.WeightGrams, p.Pieces, p.Contents
	if m := p.DeclaredValue.money(v, "declared_value", false); m.Valid() && v.Money("declared_value", m, "") {
		p.parcel.Value = m
	}
}

// fillShipTo makes the order's ship-to the parcel's ship_to when the
// vendor sent a parcel without one. An order placed before orders
// recorded a ship-to has none, and a forgotten customer's reads as
// erased: then the vendor must send ship_to, as before.
func (p *shipmentReq) fillShipTo(o *order.Order) error {
	if !p.parcelGiven() || p.ShipTo != nil {
		return nil
	}
	var v domain.Validation
	to, ok := o.ShipTo()
	switch {
	case !ok:
		v.Add("ship_to", domain.ProblemRequired, "order %s records no ship-to (placed before orders did): send ship_to", o.ID())
	case to.Recipient == pii.Erased || to.Phone == pii.Erased || to.Line1 == pii.Erased:
		v.Add("ship_to", domain.ProblemRequired, "the customer of order %s was forgotten, their address with them: send ship_to", o.ID())
	default:
		p.parcel.To = shipcmd.Party{Name: to.Recipient, Phone: to.Phone, Line1: to.Line1, Line2: to.Line2, City: to.City,
			Region: to.Region, PostalCode: to.PostalCode, Country: to.Country}
	}
	return v.Err()
}

// refuseParcel names every parcel field sent with a label bought elsewhere: souq
// would not pass it anywhere, and keeping it silently would mislead.
func (p *shipmentReq) refuseParcel(v *domain.Validation) {
	for _, f := range []struct {
		name string
		sent bool
	}{{"ship_from", p.ShipFrom != nil}, {"ship_to", p.ShipTo != nil}, {"weight_grams", p.WeightGrams != 0},
		{"pieces", p.Pieces != 0}, {"contents", p.Contents != ""}, {"declared_value", p.DeclaredValue != nil}} {
		v.Check(!f.sent, f.name, domain.ProblemInvalid, "is only for a label the carrier books here, not with tracking_number and label_key")
	}
}

// party checks one end; nil is a missing end.
func (p *partyIn) party(v *domain.Validation, field string) shipcmd.Party {
	if p == nil {
		v.Add(field, domain.ProblemRequired, "is required")
		return shipcmd.Party{}
	}
	v.Text(field+".name", p.Name, 200)
	v.OptionalText(field+".company", p.Company, 200)
	if v.Text(field+".phone", p.Phone, 32) {
		v.Check(user.ValidPhone(p.Phone), field+".phone", domain.ProblemInvalid, "is not a phone number (+971…)")
	}
	if p.Email != "" {
		user.CheckEmail(v, field+".email", p.Email)
	}
	v.Text(field+".line1", p.Line1, 200)
	v.OptionalText(field+".line2", p.Line2, 200)
	v.Text(field+".city", p.City, 100)
	v.OptionalText(field+".region", p.Region, 100)
	v.OptionalText(field+".postal_code", p.PostalCode, 20)
	v.Check(p.Country.Valid(), field+".country", domain.ProblemInvalid, "souq does not ship to %q", p.Country)
	// A label prints each on one line; a control character would break it
	// or the carrier's own parsing.
	for _, f := range []struct{ name, s string }{{"name", p.Name}, {"company", p.Company}, {"line1", p.Line1},
		{"line2", p.Line2}, {"city", p.City}, {"region", p.Region}, {"postal_code", p.PostalCode}} {
		v.Check(!strings.ContainsFunc(f.s, unicode.IsControl), field+"."+f.name, domain.ProblemInvalid, "must not hold control characters")
	}
	return shipcmd.Party{Name: p.Name, Company: p.Company, Phone: p.Phone, Email: p.Email, Line1: p.Line1, Line2: p.Line2,
		City: p.City, Region: p.Region, PostalCode: p.PostalCode, Country: p.Country}
}
