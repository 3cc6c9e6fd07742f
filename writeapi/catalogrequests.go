package writeapi

import (
	"strconv"

	affcmd "github.com/souq-market/souq/commands/affiliate"
	retcmd "github.com/souq-market/souq/commands/returns"
	"github.com/souq-market/souq/domain"
	"github.com/souq-market/souq/domain/affiliate"
	"github.com/souq-market/souq/domain/product"
	"github.com/souq-market/souq/domain/returns"
	"github.com/souq-market/souq/domain/vendor"
)

// Request bodies of the catalog and marketplace routes (products, vendors,
// returns, reviews, affiliates). As in requests.go, each lists its shape
// problems; the domain checks its rules.

// pricesIn is a price list as a client sends it: one integer amount per
// currency, [{"amount":45000,"currency":"AED"}, …].
type pricesIn []moneyIn

func (p pricesIn) prices(v *domain.Validation, field string) map[domain.Currency]domain.Money {
	if !v.Check(len(p) > 0 && len(p) <= 10, field, domain.ProblemRange, "1–10 prices, one per currency") {
		return nil
	}
	out := make(map[domain.Currency]domain.Money, len(p))
	for i := range p {
		f := field + "[" + strconv.Itoa(i) + "]"
		m := p[i].money(v, f, true)
		if _, dup := out[p[i].Currency]; dup {
			v.Add(f+".currency", "duplicate", "%s twice", p[i].Currency)
		}
		out[p[i].Currency] = m
	}
	return out
}

type variantIn struct {
	SKU    domain.SKU `json:"sku"`
	SizeML int        `json:"size_ml"`
	Prices pricesIn   `json:"prices"`
}

type productReq struct {
	ProductID domain.ProductID `json:"product_id"`
	VendorID  domain.VendorID  `json:"vendor_id"` // staff only: the vendor listed for
	Details   product.Details  `json:"details"`
	Variants  []variantIn      `json:"variants"`
	variants  []product.Variant
}

func (r *productReq) validate(v *domain.Validation) {
	v.ID("product_id", string(r.ProductID))
	if r.VendorID != "" {
		v.ID("vendor_id", string(r.VendorID))
	}
	v.Text("details.name.en", r.Details.Name.English, 200)
	if v.Check(len(r.Variants) > 0, "variants", domain.ProblemRequired, "at least one size") {
		v.Check(len(r.Variants) <= 20, "variants", domain.ProblemRange, "at most 20 sizes")
	}
	for i, x := range r.Variants {
		if i >= 20 {
			break
		}
		f := "variants[" + strconv.Itoa(i) + "]"
		r.variants = append(r.variants, product.Variant{SKU: x.SKU, SizeML: x.SizeML, Prices: x.Prices.prices(v, f+".prices")})
	}
}

type productUpdateReq struct {
	Details product.Details `json:"details"`
}

func (r *productUpdateReq) validate(v *domain.Validation) {
	v.Text("details.name.en", r.Details.Name.English, 200)
}

type repriceReq struct {
	SKU    domain.SKU `json:"sku"`
	Prices pricesIn   `json:"prices"`
	prices map[domain.Currency]domain.Money
}

func (r *repriceReq) validate(v *domain.Validation) {
	v.ID("sku", string(r.SKU))
	r.prices = r.Prices.prices(v, "prices")
}

type delistReq struct {
	Code   product.DelistCode `json:"code"`
	Reason string             `json:"reason"`
}

func (r *delistReq) validate(v *domain.Validation) {
	v.Text("code", string(r.Code), 30)
	v.Text("reason", r.Reason, 500)
}

type vendorReq struct {
	VendorID domain.VendorID `json:"vendor_id"`
	Name     string          `json:"name"`
	Country  domain.Country  `json:"country"`
	Email    string          `json:"email"`
}

func (r *vendorReq) validate(v *domain.Validation) {
	if r.VendorID != "" {
		v.ID("vendor_id", string(r.VendorID))
	}
	v.Text("name", r.Name, 200)
	v.Text("country", string(r.Country), 2)
	v.Text("email", r.Email, 254)
}

type kycReq struct {
	Documents []vendor.Document `json:"documents"`
}

func (r *kycReq) validate(v *domain.Validation) {
	v.Check(len(r.Documents) > 0, "documents", domain.ProblemRequired, "at least one document")
}

// rateReq carries a commission rate; a pointer, so a missing rate is told
// apart from a rate of zero.
type rateReq struct {
	CommissionRate *domain.BasisPoints `json:"commission_rate"`
}

func (r *rateReq) validate(v *domain.Validation) {
	v.Check(r.CommissionRate != nil, "commission_rate", domain.ProblemRequired, "is required (basis points, 1500 = 15 %%)")
}

func (r *rateReq) rate() domain.BasisPoints { return *r.CommissionRate }

type payoutAccountReq struct {
	vendor.PayoutAccount
}

func (r *payoutAccountReq) validate(v *domain.Validation) {
	v.Text("holder_name", r.HolderName, 200)
	v.Text("bank_name", r.BankName, 200)
	v.Text("iban", r.IBAN, 34)
}

type returnItemIn struct {
	SKU      domain.SKU `json:"sku"`
	Quantity int64      `json:"quantity"`
}

type returnReq struct {
	ReturnID   domain.ReturnID   `json:"return_id"`
	SubOrderID domain.SubOrderID `json:"sub_order_id"`
	Items      []returnItemIn    `json:"items"`
	Reason     returns.Reason    `json:"reason"`
	Comment    string            `json:"comment"`
}

func (r *returnReq) validate(v *domain.Validation) {
	v.ID("return_id", string(r.ReturnID))
	v.ID("sub_order_id", string(r.SubOrderID))
	if v.Check(len(r.Items) > 0, "items", domain.ProblemRequired, "at least one item") {
		v.Check(len(r.Items) <= 100, "items", domain.ProblemRange, "at most 100 items")
	}
	v.Text("reason", string(r.Reason), 30)
	v.OptionalText("comment", r.Comment, 2000)
}

func (r *returnReq) items() []retcmd.Item {
	out := make([]retcmd.Item, len(r.Items))
	for i, it := range r.Items {
		out[i] = retcmd.Item{SKU: it.SKU, Quantity: it.Quantity}
	}
	return out
}

type returnApproveReq struct {
	RefundTo returns.Destination `json:"refund_to"`
}

func (r *returnApproveReq) validate(v *domain.Validation) {
	v.Text("refund_to", string(r.RefundTo), 10)
}

type returnReceiveReq struct {
	Restock *bool  `json:"restock"`
	Note    string `json:"note"`
}

func (r *returnReceiveReq) validate(v *domain.Validation) {
	v.Check(r.Restock != nil, "restock", domain.ProblemRequired, "say whether the goods go back into stock")
	v.OptionalText("note", r.Note, 2000)
}

type reviewReq struct {
	OrderID domain.OrderID `json:"order_id"`
	Rating  int            `json:"rating"`
	Title   string         `json:"title"`
	Body    string         `json:"body"`
}

func (r *reviewReq) validate(v *domain.Validation) {
	v.ID("order_id", string(r.OrderID))
	v.Check(r.Rating >= 1 && r.Rating <= 5, "rating", domain.ProblemRange, "must be 1–5")
}

type moderateReq struct {
	Decision string `json:"decision"` // approve or reject
	Reason   string `json:"reason"`
}

func (r *moderateReq) validate(v *domain.Validation) {
	v.Check(r.Decision == "approve" || r.Decision == "reject", "decision", domain.ProblemInvalid, "must be approve or reject")
	v.OptionalText("reason", r.Reason, 500)
}

type linkIn struct {
	LinkID string `json:"link_id"`
	Code   string `json:"code"`
}

type affiliateReq struct {
	AffiliateID    domain.AffiliateID  `json:"affiliate_id"`
	InfluencerID   domain.CustomerID   `json:"influencer_id"`
	Name           string              `json:"name"`
	Currency       domain.Currency     `json:"currency"`
	CommissionRate *domain.BasisPoints `json:"commission_rate"`
	Link           *linkIn             `json:"link"`
}

func (r *affiliateReq) validate(v *domain.Validation) {
	v.ID("affiliate_id", string(r.AffiliateID))
	v.ID("influencer_id", string(r.InfluencerID))
	v.Text("name", r.Name, 200)
	v.Text("currency", string(r.Currency), 3)
	v.Check(r.CommissionRate != nil, "commission_rate", domain.ProblemRequired, "is required (basis points)")
}

func (r *affiliateReq) registration() affcmd.Registration {
	reg := affcmd.Registration{}
	reg.Register.InfluencerID, reg.Register.Name, reg.Register.Currency = r.InfluencerID, r.Name, r.Currency
	if r.CommissionRate != nil {
		reg.Register.CommissionRate = *r.CommissionRate
	}
	if r.Link != nil {
		reg.Link = &affiliate.CreateLink{LinkID: r.Link.LinkID, Code: r.Link.Code}
	}
	return reg
}

type linkReq struct {
	linkIn
}

func (r *linkReq) validate(v *domain.Validation) {
	v.ID("link_id", r.LinkID)
	v.Text("code", r.Code, 32)
}

type clickReq struct {
	LinkID string `json:"link_id"`
}

func (r *clickReq) validate(v *domain.Validation) { v.ID("link_id", r.LinkID) }
