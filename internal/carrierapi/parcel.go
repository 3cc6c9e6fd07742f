package carrierapi

import (
	"strings"

	shipcmd "github.com/souq-market/souq/commands/shipment"
	"github.com/souq-market/souq/domain"
)

// needParcel refuses a booking that lacks what every carrier asks: the
// references, both ends with a name, a phone and an address, and a weight.
func (c client) needParcel(req shipcmd.BookRequest) error {
	if req.ShipmentID == "" || req.VendorID == "" {
		return domain.Errorf(domain.Invalid, CodeParcelRequired, "a booking with %s needs a shipment and a vendor", c.title)
	}
	var missing []string
	party := func(side string, p shipcmd.Party) {
		for _, f := range []struct{ name, v string }{{"name", p.Name}, {"phone", p.Phone}, {"line1", p.Line1},
			{"city", p.City}, {"country", string(p.Country)}} {
			if strings.TrimSpace(f.v) == "" {
				missing = append(missing, side+"."+f.name)
			}
		}
	}
	party("from", req.Parcel.From)
	party("to", req.Parcel.To)
	if req.Parcel.WeightGrams <= 0 {
		missing = append(missing, "weight_grams")
	}
	if len(missing) > 0 {
		return domain.Errorf(domain.Invalid, CodeParcelRequired, "%s books only a described parcel; missing %s", c.title, strings.Join(missing, ", "))
	}
	return nil
}

func kilograms(grams int) float64 { return float64(grams) / 1000 }

func pieces(p shipcmd.Parcel) int { return max(p.Pieces, 1) }

// domestic reports whether the parcel stays in one country, which decides
// the carriers' product and customs declarations.
func domestic(p shipcmd.Parcel) bool { return p.From.Country == p.To.Country }

// contents is what the label says the parcel holds.
func contents(req shipcmd.BookRequest) string {
	if s := strings.TrimSpace(req.Parcel.Contents); s != "" {
		return s
	}
	return "Order " + string(req.OrderID)
}
